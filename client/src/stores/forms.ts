import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { formsApi } from '@/api/records'
import type { FieldDefinition, FormInfo } from '@/api/types'
import { restrictForm } from '@/access/permissions'
import { useSessionStore } from './session'

/**
 * The installed forms (definitions plus what the server resolved), in menu order, as the user
 * works with them: without the fields their roles hide, read-only fields read-only, only the actions
 * they may run (access/permissions.ts). `viewable`: the forms the user may open (the menu).
 */
export const useFormsStore = defineStore('forms', () => {
  const session = useSessionStore()
  const loadedList = ref<FormInfo[]>([])
  const list = computed(() => loadedList.value.map((f) => restrictForm(f, session.permissions)))
  const viewable = computed(() => list.value.filter((f) => session.can(f.key, 'view', f.pack !== null)))
  const loaded = ref(false)
  let pending: Promise<void> | null = null

  const byKey = computed(() => new Map(list.value.map((f) => [f.key, f])))

  function load(force = false): Promise<void> {
    if (loaded.value && !force) return Promise.resolve()
    pending ??= formsApi
      .list()
      .then((forms) => {
        loadedList.value = forms
        loaded.value = true
      })
      .finally(() => (pending = null))
    return pending
  }

  function get(key: string): FormInfo | undefined {
    return byKey.value.get(key)
  }

  /** The field a lookup or copy reads through its link, so it can be shown like the original. */
  function sourceField(table: FieldDefinition[], def: FieldDefinition): FieldDefinition | undefined {
    if (def.type !== 'lookup' && def.type !== 'copy') return undefined
    const link = table.find((f) => f.key === def.link)
    const target = typeof link?.form === 'string' ? get(link.form.split('.')[0]) : undefined
    return target?.definition.fields.find((f) => f.key === def.field)
  }

  function reset(): void {
    loadedList.value = []
    loaded.value = false
  }

  return { list, viewable, loaded, byKey, load, get, sourceField, reset }
})
