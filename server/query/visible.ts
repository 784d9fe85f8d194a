import type { TargetResolver } from '../../schema/filter/prepare'
import { resolveTarget, type FilterTarget } from '../../schema/filter/targets'
import type { TableModel } from '../../schema/model/types'

/** What a caller may see of a table: the fields the access policy hides from them. */
export interface Visibility {
  table: TableModel
  hidden: ReadonlySet<string>
  /** for sub-form lines: the hidden fields of the record they belong to */
  parentHidden?: ReadonlySet<string>
}

/**
 * Resolves field paths as the filter language does, except that a field hidden from the caller
 * reads as an unknown field — the same answer, so a request cannot tell hidden from missing.
 */
export function visibleTargets(visibility: Visibility): TargetResolver {
  return (table, path) => {
    const target = resolveTarget(table, path)
    if ('error' in target) return target
    if (isHidden(visibility, table, target)) return { error: `unknown field "${path}"` }
    return target
  }
}

function isHidden({ table: own, hidden, parentHidden }: Visibility, table: TableModel, target: FilterTarget): boolean {
  if (target.kind === 'parent') {
    const inner = target.target
    if (inner.kind !== 'field' && inner.kind !== 'address_part') return false
    // the lines' own record, or (inside `any`/`all`) the record being queried
    const hiddenOfParent = table === own ? parentHidden : table.parent === own ? hidden : undefined
    return hiddenOfParent?.has(inner.field.key) ?? false
  }
  if (target.kind !== 'field' && target.kind !== 'address_part') return false
  if (table === own) return hidden.has(target.field.key)
  // fields of lines inside `any`/`all`: the sub-form as a whole was checked on the way in, its hidden fields here
  return table.parent === own && hidden.has(`${table.path.split('.').pop()}.${target.field.key}`)
}
