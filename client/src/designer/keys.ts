// Pure helpers import schema/ by relative path so unit tests (no Vite aliases) can load them.
import { isReservedKey, KEY_PATTERN, MAX_KEY_LENGTH, SYSTEM_COLUMNS } from '../../../schema/fields/common'

const KEY = new RegExp(KEY_PATTERN)

/** Whether a key may name a new field: the template's key rules, not a system column, not taken. */
export function keyProblem(key: string, taken: ReadonlySet<string>): 'pattern' | 'system' | 'taken' | null {
  if (!KEY.test(key) || key.length > MAX_KEY_LENGTH) return 'pattern'
  if ((SYSTEM_COLUMNS as readonly string[]).includes(key) || isReservedKey(key)) return 'system'
  if (taken.has(key)) return 'taken'
  return null
}

function unique(base: string, taken: ReadonlySet<string>): string {
  if (!keyProblem(base, taken)) return base
  for (let n = 2; ; n++) {
    const suffix = `_${n}`
    const candidate = base.slice(0, MAX_KEY_LENGTH - suffix.length).replace(/_+$/, '') + suffix
    if (!keyProblem(candidate, taken)) return candidate
  }
}

/**
 * A key for a new field. Pinyin needs a dictionary we do not ship, so the key comes from the
 * English label ("Gift wrap" → gift_wrap); without one it is `field_N`.
 */
export function deriveKey(englishLabel: string | undefined, taken: ReadonlySet<string>, prefix = 'field'): string {
  const words = (englishLabel ?? '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
  if (words) {
    const base = (/^[a-z]/.test(words) ? words : `${prefix}_${words}`).slice(0, MAX_KEY_LENGTH).replace(/_+$/, '')
    return unique(base, taken)
  }
  for (let n = 1; ; n++) {
    const candidate = `${prefix}_${n}`
    if (!keyProblem(candidate, taken)) return candidate
  }
}
