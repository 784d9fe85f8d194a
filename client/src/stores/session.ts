import { defineStore } from 'pinia'
import { ref } from 'vue'
import { ApiError } from '@/api/client'
import { authApi } from '@/api/records'
import type { User } from '@/api/types'

export const useSessionStore = defineStore('session', () => {
  const user = ref<User | null>(null)
  /** true once we asked the server whether a session cookie is valid */
  const checked = ref(false)

  async function restore(): Promise<User | null> {
    if (checked.value) return user.value
    try {
      user.value = await authApi.me()
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) throw error
      user.value = null
    }
    checked.value = true
    return user.value
  }

  async function login(username: string, password: string): Promise<void> {
    user.value = await authApi.login(username, password)
    checked.value = true
  }

  async function logout(): Promise<void> {
    await authApi.logout().catch(() => undefined)
    forget()
  }

  function forget(): void {
    user.value = null
    checked.value = true
  }

  return { user, checked, restore, login, logout, forget }
})
