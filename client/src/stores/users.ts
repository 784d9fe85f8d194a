import { defineStore } from 'pinia'
import { ref } from 'vue'
import { authApi } from '@/api/records'
import type { Reference } from '@/api/types'
import { useSessionStore } from './session'

/**
 * People a user field can name. Only those who manage users may list them (GET /api/users); everyone
 * else can pick themselves, keep the current value, or clear it.
 */
export const useUsersStore = defineStore('users', () => {
  const people = ref<Reference[]>([])
  let loading: Promise<void> | null = null

  function load(): Promise<void> {
    const session = useSessionStore()
    const me = session.user
    if (!me) return Promise.resolve()
    loading ??= (session.hasCapability('users.manage') ? authApi.users().catch(() => [me]) : Promise.resolve([me])).then((users) => {
      people.value = users.map((u) => ({ id: u.id, display: u.display_name }))
    })
    return loading
  }

  return { people, load }
})
