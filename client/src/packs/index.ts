import type { Component } from 'vue'
import type { FormInfo } from '@/api/types'
import type { ParamEditor } from '@/components/actions/paramEditors'
import { taobaoErp, taobaoErpMenu } from './taobao-erp'

/**
 * What the client knows about particular template packs beyond their templates. Everything
 * else is read from the form definitions; this is the one place that names packs' forms.
 */
export interface FormExtension {
  /** the page the `print` client action opens (/print/:form/:id); a generic sheet otherwise */
  printLayout?: () => Promise<{ default: Component }>
  /** editors for action parameters, by `<action>.<param>` */
  paramEditors?: Record<string, ParamEditor>
}

const PACKS: Record<string, Record<string, FormExtension>> = {
  taobao_erp: taobaoErp,
}

/** Pages a pack brings beyond its forms, as a menu group (labels and titles are i18n keys). */
export interface PackMenuGroup {
  key: string
  label: string
  /** `form`: shown only to users who may read that form (or, with `permission`, do that on it); `capability`: only to those holding it */
  items: { path: string; label: string; icon: string; form?: string; permission?: string; capability?: string }[]
  /** shown only to users who may read this form (the statements read the journal) */
  requiresForm?: string
}

const MENUS: Record<string, PackMenuGroup[]> = {
  taobao_erp: taobaoErpMenu,
}

/** What the session lets the user do (stores/session.ts), for the pack pages' menu items. */
export interface MenuAccess {
  can: (form: string, permission: string) => boolean
  hasCapability: (capability: string) => boolean
}

/**
 * The menu groups of the packs whose forms are installed, with the items the user may open
 * (`forms`: the forms they may read).
 */
export function packMenus(forms: FormInfo[], access: MenuAccess = { can: () => true, hasCapability: () => true }): PackMenuGroup[] {
  const packs = new Set(forms.map((f) => f.pack))
  const readable = new Set(forms.map((f) => f.key))
  const allowed = (item: PackMenuGroup['items'][number]) =>
    (!item.form || (readable.has(item.form) && (!item.permission || access.can(item.form, item.permission)))) && (!item.capability || access.hasCapability(item.capability))
  return Object.entries(MENUS)
    .filter(([pack]) => packs.has(pack))
    .flatMap(([, menus]) => menus.filter((menu) => !menu.requiresForm || readable.has(menu.requiresForm)))
    .map((menu) => ({ ...menu, items: menu.items.filter(allowed) }))
    .filter((menu) => menu.items.length > 0)
}

export function formExtension(form: FormInfo): FormExtension {
  return (form.pack ? PACKS[form.pack]?.[form.key] : undefined) ?? {}
}
