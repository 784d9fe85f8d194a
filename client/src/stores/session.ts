import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { ApiError } from '@/api/client'
import { authApi } from '@/api/records'
import type { User } from '@/api/types'
import * as access from '@/access/permissions'
import type { FormPermission, Permissions } from '@/access/permissions'

export const useSessionStore = defineStore('session', () => {
  const user = ref<User | null>(null)
  /** true once we asked the server whether a session cookie is valid */
  const checked = ref(false)

  /**
   * What the user may do. A server without roles (no `permissions` on /me) had two: the
   * administrator may do everything, a member everything but the administrator's pages.
   */
  const permissions = computed<Permissions>(() => {
    const u = user.value
    if (!u) return access.NOTHING
    if (u.permissions) return u.permissions
    return u.role === 'admin' ? access.EVERYTHING : { all: false, capabilities: [], forms: { '*': { allow: ['*'], hidden: [], readonly: [] } } }
  })
  const roles = computed(() => user.value?.roles ?? [])
  /** holds a role that may do everything (the administrator) */
  const isAdmin = computed(() => permissions.value.all)

  /** `fromPack`: false for a form made in the designer, which "*" does not cover */
  const can = (form: string, permission: FormPermission, fromPack = true) => access.can(permissions.value, form, permission, fromPack)
  const hidden = (form: string, fromPack = true) => access.hiddenFields(permissions.value, form, fromPack)
  const readonly = (form: string, fromPack = true) => access.readonlyFields(permissions.value, form, fromPack)
  const hasCapability = (capability: string) => access.hasCapability(permissions.value, capability)

  /** The login answer may leave out the permissions: then /me tells them. */
  async function withPermissions(answer: User): Promise<User> {
    return answer.permissions ? answer : ((await authApi.me().catch(() => null)) ?? answer)
  }

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
    user.value = await withPermissions(await authApi.login(username, password))
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

  return { user, checked, permissions, roles, isAdmin, can, hidden, readonly, hasCapability, restore, login, logout, forget }
})
