import type { FieldCondition, FieldDefinition } from '../fields/types'

/** A link or user as read by the client (`{id, display}`) compares by its id. */
function comparable(value: unknown): unknown {
  return value !== null && typeof value === 'object' && 'id' in value ? (value as { id: unknown }).id : value
}

function isBlank(value: unknown): boolean {
  return value === null || value === undefined || value === '' || value === false || (Array.isArray(value) && value.length === 0)
}

/** Whether "another field has a value" holds for the values of a record (or of one line). */
export function conditionHolds(condition: FieldCondition, values: Record<string, unknown>): boolean {
  const value = values[condition.field]
  if (isBlank(value)) return false
  if (!condition.equals) return true
  const wanted = new Set(condition.equals.map(String))
  const present = Array.isArray(value) ? value : [value]
  return present.some((v) => wanted.has(String(comparable(v))))
}

/** A field is shown unless its `visible_when` fails. */
export function isVisible(def: FieldDefinition, values: Record<string, unknown>): boolean {
  return !def.visible_when || conditionHolds(def.visible_when, values)
}

/** Required always, or while its `required_when` holds; never while hidden by `visible_when`. */
export function isRequired(def: FieldDefinition, values: Record<string, unknown>): boolean {
  if (!isVisible(def, values)) return false
  return Boolean(def.required) || (def.required_when !== undefined && conditionHolds(def.required_when, values))
}
