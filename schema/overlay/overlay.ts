/**
 * A merchant's customisations of a pack form, kept apart from the pack (as Frappe keeps Custom
 * Fields and Property Setters apart from the DocType): `diffDefinition(pack, mine)` records what
 * the merchant changed, `applyOverlay(pack, overlay)` lays it over any version of the pack, and
 * `rebaseConflicts(oldPack, newPack, overlay)` names what a pack upgrade and the merchant both
 * touched. Pure JSON in, JSON out: shared by the server, the CLI and the designer.
 *
 * Arrays whose items all carry a `key` (fields, views, actions, sub-form columns) or a `value`
 * (select options) are merged item by item, so a merchant's new field and a pack's new field
 * both survive; other arrays (layout sections, rules, postings) are replaced whole.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

export type Patch =
  /** the value as the merchant set it (a property the pack may not have) */
  | { $set: Json }
  /** a property the merchant removed */
  | { $delete: true }
  /** an item of a keyed array the merchant added */
  | { $add: Json }
  /** an object changed property by property */
  | { $props: Record<string, Patch> }
  /** a keyed array changed item by item; `$order` when the merchant reordered it */
  | { $items: Record<string, Patch>; $id: string; $order?: string[] }

export type Overlay = Patch

export interface OverlayConflict {
  /** stable within one upgrade: `<path>` */
  path: string
  code: 'key_taken' | 'both_changed' | 'removed_by_pack' | 'hidden_now_required'
  params: { mine?: unknown; pack?: unknown; key?: string }
}

export type Resolution = 'mine' | 'pack'

type JsonObject = { [key: string]: Json }

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v)

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]))
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined)
    const kb = Object.keys(b).filter((k) => b[k] !== undefined)
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]))
  }
  return false
}

const clone = <T>(v: T): T => (v === undefined ? v : JSON.parse(JSON.stringify(v)))

/** The property that identifies items of an array, when every item has one. */
function itemId(list: Json[]): string | null {
  if (!list.length) return null
  for (const id of ['key', 'value']) {
    const ids = list.map((item) => (isObject(item) ? item[id] : undefined))
    if (ids.every((v) => typeof v === 'string' || typeof v === 'number') && new Set(ids.map(String)).size === ids.length) return id
  }
  return null
}

const idOf = (item: Json, id: string) => String((item as JsonObject)[id])

/** What turns `base` into `target`; undefined when they are equal. */
export function diffDefinition(base: unknown, target: unknown): Patch | undefined {
  if (deepEqual(base, target)) return undefined
  if (target === undefined) return { $delete: true }
  if (isObject(base) && isObject(target)) {
    const props: Record<string, Patch> = {}
    for (const key of new Set([...Object.keys(base), ...Object.keys(target)])) {
      const patch = diffDefinition(base[key], target[key])
      if (patch) props[key] = patch
    }
    return { $props: props }
  }
  if (Array.isArray(target) && (base === undefined || Array.isArray(base))) {
    // A keyed list the pack did not have (or had empty) is still merged item by item, so the
    // merchant's first view or action and one a later pack adds both survive.
    const from = Array.isArray(base) ? base : []
    const id = from.length ? itemId(from) : itemId(target)
    if (id && (target.length === 0 || itemId(target) === id)) return diffKeyed(from, target, id)
  }
  return { $set: clone(target as Json) }
}

function diffKeyed(base: Json[], target: Json[], id: string): Patch {
  const baseById = new Map(base.map((item) => [idOf(item, id), item]))
  const targetIds = target.map((item) => idOf(item, id))
  const items: Record<string, Patch> = {}
  for (const item of target) {
    const key = idOf(item, id)
    if (!baseById.has(key)) items[key] = { $add: clone(item) }
    else {
      const patch = diffDefinition(baseById.get(key), item)
      if (patch) items[key] = patch
    }
  }
  for (const key of baseById.keys()) if (!targetIds.includes(key)) items[key] = { $delete: true }
  const patch: Patch = { $items: items, $id: id }
  // Record the order only when applying the items alone would not give the merchant's order.
  const natural = mergeOrder(base.map((i) => idOf(i, id)), targetIds, undefined)
  if (!deepEqual(natural, targetIds)) patch.$order = targetIds
  return patch
}

/** Ids of the result: the merchant's order where given, the pack's new items after their pack neighbour. */
function mergeOrder(baseIds: string[], resultIds: string[], order: string[] | undefined): string[] {
  const present = new Set(resultIds)
  if (!order) {
    const fromBase = baseIds.filter((k) => present.has(k))
    return [...fromBase, ...resultIds.filter((k) => !fromBase.includes(k))]
  }
  const list = order.filter((k) => present.has(k))
  for (const [i, key] of baseIds.entries()) {
    if (!present.has(key) || list.includes(key)) continue
    const before = baseIds.slice(0, i).reverse().find((k) => list.includes(k))
    list.splice(before === undefined ? 0 : list.indexOf(before) + 1, 0, key)
  }
  for (const key of resultIds) if (!list.includes(key)) list.push(key)
  return list
}

/** Lays an overlay over a (possibly newer) pack definition. Parts that no longer fit are skipped. */
export function applyOverlay<T>(base: T, patch: Patch | undefined | null): T {
  if (!patch) return clone(base)
  return applyPatch(clone(base) as Json | undefined, patch) as T
}

function applyPatch(base: Json | undefined, patch: Patch): Json | undefined {
  if ('$set' in patch) return clone(patch.$set)
  if ('$add' in patch) return clone(patch.$add)
  if ('$delete' in patch) return undefined
  if ('$props' in patch) {
    const result: JsonObject = isObject(base) ? { ...base } : {}
    for (const [key, sub] of Object.entries(patch.$props)) {
      const value = applyPatch(result[key], sub)
      if (value === undefined) delete result[key]
      else result[key] = value
    }
    return result
  }
  const list = Array.isArray(base) ? base : []
  const byId = new Map(list.map((item) => [idOf(item, patch.$id), item]))
  const baseIds = [...byId.keys()]
  for (const [key, sub] of Object.entries(patch.$items)) {
    // A change to an item the pack no longer has cannot apply (reported as a conflict on upgrade).
    if (!('$add' in sub) && !('$set' in sub) && !byId.has(key)) continue
    const value = applyPatch(byId.get(key), sub)
    if (value === undefined) byId.delete(key)
    else byId.set(key, value)
  }
  return mergeOrder(baseIds, [...byId.keys()], patch.$order).map((key) => byId.get(key)!)
}

/**
 * What a pack upgrade (oldBase → newBase) and the merchant's overlay both changed. Each conflict
 * is resolved by keeping the merchant's value or taking the pack's (`resolveConflicts`).
 */
export function rebaseConflicts(oldBase: unknown, newBase: unknown, patch: Patch | undefined | null): OverlayConflict[] {
  const conflicts: OverlayConflict[] = []
  if (patch) walk(oldBase as Json, newBase as Json, patch, '', conflicts)
  conflicts.push(...requiredButHidden(oldBase, newBase, patch))
  return conflicts
}

function walk(oldValue: Json | undefined, newValue: Json | undefined, patch: Patch, path: string, out: OverlayConflict[]) {
  if ('$set' in patch || '$delete' in patch) {
    const mine = '$set' in patch ? patch.$set : undefined
    if (!deepEqual(oldValue, newValue) && !deepEqual(mine, newValue)) out.push({ path, code: 'both_changed', params: { mine, pack: newValue } })
    return
  }
  if ('$add' in patch) return
  if ('$props' in patch) {
    if (oldValue !== undefined && newValue === undefined) {
      out.push({ path, code: 'removed_by_pack', params: {} })
      return
    }
    for (const [key, sub] of Object.entries(patch.$props)) {
      walk(isObject(oldValue) ? oldValue[key] : undefined, isObject(newValue) ? newValue[key] : undefined, sub, path ? `${path}.${key}` : key, out)
    }
    return
  }
  const find = (list: Json | undefined, key: string) => (Array.isArray(list) ? list.find((item) => isObject(item) && String(item[patch.$id]) === key) : undefined)
  for (const [key, sub] of Object.entries(patch.$items)) {
    const at = `${path}[${key}]`
    const before = find(oldValue, key)
    const after = find(newValue, key)
    if ('$add' in sub) {
      if (after !== undefined) out.push({ path: at, code: 'key_taken', params: { key, mine: sub.$add, pack: after } })
    } else if ('$delete' in sub) {
      // The merchant removed it; a pack change to it does not bring it back.
    } else if (before !== undefined && after === undefined) {
      out.push({ path: at, code: 'removed_by_pack', params: { key } })
    } else walk(before, after, sub, at, out)
  }
}

/** Fields the merchant hid that the new pack makes required (and the old one did not). */
function requiredButHidden(oldBase: unknown, newBase: unknown, patch: Patch | undefined | null): OverlayConflict[] {
  const out: OverlayConflict[] = []
  const visit = (oldFields: unknown, newFields: unknown, mine: unknown, path: string) => {
    if (!Array.isArray(newFields) || !Array.isArray(mine)) return
    for (const field of mine) {
      if (!isObject(field)) continue
      const key = String(field.key)
      const packNew = newFields.find((f) => isObject(f) && f.key === key) as JsonObject | undefined
      const packOld = Array.isArray(oldFields) ? (oldFields.find((f) => isObject(f) && f.key === key) as JsonObject | undefined) : undefined
      if (packNew && field.hidden === true && packNew.hidden !== true && packNew.required === true && packOld?.required !== true && packNew.default === undefined) {
        out.push({ path: `${path}[${key}]`, code: 'hidden_now_required', params: { key } })
      }
      if (packNew && Array.isArray(field.fields)) visit(packOld?.fields, packNew.fields, field.fields, `${path}[${key}].fields`)
    }
  }
  const mine = applyOverlay(oldBase, patch) as JsonObject | undefined
  visit((oldBase as JsonObject | undefined)?.fields, (newBase as JsonObject | undefined)?.fields, mine?.fields, 'fields')
  return out
}

/**
 * The overlay after the merchant chose, per conflict path, to keep theirs or take the pack's.
 * `oldBase` gives back a whole item when "mine" keeps something the pack removed.
 */
export function resolveConflicts(
  oldBase: unknown,
  patch: Patch | undefined | null,
  conflicts: OverlayConflict[],
  choices: Record<string, Resolution>,
): Patch | undefined {
  let result = clone(patch ?? undefined) as Patch | undefined
  for (const conflict of conflicts) {
    const choice = choices[conflict.path]
    if (!choice || !result) continue
    if (conflict.code === 'hidden_now_required') {
      const segments = parsePath(`${conflict.path}.required`)
      result = choice === 'pack' ? setPatchAt(result, parsePath(`${conflict.path}.hidden`), undefined) : setPatchAt(result, segments, { $set: false })
      continue
    }
    const segments = parsePath(conflict.path)
    if (choice === 'pack') result = setPatchAt(result, segments, undefined)
    else if (conflict.code === 'key_taken') result = setPatchAt(result, segments, { $set: clone(conflict.params.mine as Json) })
    else if (conflict.code === 'removed_by_pack') {
      const mine = getAt(applyOverlay(oldBase, patch) as Json, segments)
      result = setPatchAt(result, segments, mine === undefined ? undefined : { $add: clone(mine) })
    }
    // both_changed + mine: the overlay already holds the merchant's value.
  }
  return result && isEmptyPatch(result) ? undefined : result
}

type Segment = { prop: string } | { item: string }

/** 'fields[weight].options[a].label' → segments */
export function parsePath(path: string): Segment[] {
  const segments: Segment[] = []
  const re = /([^.[\]]+)|\[([^\]]*)\]/g
  let m: RegExpExecArray | null
  while ((m = re.exec(path))) segments.push(m[1] !== undefined ? { prop: m[1] } : { item: m[2] })
  return segments
}

function getAt(value: Json | undefined, segments: Segment[]): Json | undefined {
  let cur = value
  for (const s of segments) {
    if ('prop' in s) cur = isObject(cur) ? cur[s.prop] : undefined
    else cur = Array.isArray(cur) ? cur.find((i) => isObject(i) && (String(i.key) === s.item || String(i.value) === s.item)) : undefined
  }
  return cur
}

function setPatchAt(patch: Patch, segments: Segment[], value: Patch | undefined): Patch {
  if (!segments.length) return value ?? { $props: {} }
  const [head, ...rest] = segments
  const next = (children: Record<string, Patch>, key: string) => {
    const child = children[key]
    if (!rest.length) {
      if (value) children[key] = value
      else delete children[key]
      return
    }
    const descended = setPatchAt(child ?? ('prop' in rest[0] ? { $props: {} } : { $items: {}, $id: 'key' }), rest, value)
    if (isEmptyPatch(descended)) delete children[key]
    else children[key] = descended
  }
  if ('prop' in head && '$props' in patch) next(patch.$props, head.prop)
  else if ('item' in head && '$items' in patch) next(patch.$items, head.item)
  else if ('prop' in head && !('$items' in patch) && !('$props' in patch)) {
    // A whole value set by the merchant: nothing finer to change.
  }
  return patch
}

function isEmptyPatch(patch: Patch): boolean {
  if ('$props' in patch) return Object.keys(patch.$props).length === 0
  if ('$items' in patch) return Object.keys(patch.$items).length === 0 && !patch.$order
  return false
}
