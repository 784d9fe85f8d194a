import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { formsApi } from '@/api/records'
import type { FieldDefinition, FormInfo } from '@/api/types'

/** The installed forms (definitions plus what the server resolved), in menu order. */
export const useFormsStore = defineStore('forms', () => {
  const list = ref<FormInfo[]>([])
  const loaded = ref(false)
  let pending: Promise<void> | null = null

  const byKey = computed(() => new Map(list.value.map((f) => [f.key, f])))

  function load(force = false): Promise<void> {
    if (loaded.value && !force) return Promise.resolve()
    pending ??= formsApi
      .list()
      .then((forms) => {
        list.value = forms
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
    list.value = []
    loaded.value = false
  }

  return { list, loaded, byKey, load, get, sourceField, reset }
})
