import { allFieldTypes } from '@schema/fields/registry'
import type { DesignerContext } from '@/designer/context'
import { addField, ensureLayout, newField } from '@/designer/edits'

/** What the palette drops into a section: replaced by a new field's key once dropped. */
export interface NewFieldToken {
  newType: string
}

export const isNewFieldToken = (item: unknown): item is NewFieldToken => typeof item === 'object' && item !== null && 'newType' in item

/** A new field of `type` labelled after its type, placed in a section (at `index`, else the end). */
export function addNewField(designer: DesignerContext, type: string, section: number, index?: number): string {
  const def = designer.draft.value
  const typeLabel = allFieldTypes().find((t) => t.type === type)?.label
  const zh = typeof typeLabel === 'string' ? typeLabel : (typeLabel?.['zh-CN'] ?? type)
  const taken = new Set([...designer.savedKeys.value, ...def.fields.map((f) => f.key)])
  const field = newField(type, { 'zh-CN': zh }, def, designer.others.value, taken)
  addField(def, field, section, index)
  return field.key
}

/**
 * After a drop into a section's list: palette tokens become new fields; keys dragged in from the
 * unplaced list are placed. Returns the key to select, if any.
 */
export function settleDrop(designer: DesignerContext, sectionIndex: number): string | undefined {
  const sections = ensureLayout(designer.draft.value)
  const list = sections[sectionIndex].fields as unknown[]
  let selected: string | undefined
  for (let i = 0; i < list.length; i++) {
    const item = list[i]
    if (isNewFieldToken(item)) {
      list.splice(i, 1)
      selected = addNewField(designer, item.newType, sectionIndex, i)
    } else if (typeof item === 'string' && list.indexOf(item) !== i) {
      list.splice(i--, 1) // dropped twice
    }
  }
  return selected
}
