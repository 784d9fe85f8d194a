export type FormulaErrorCode = 'syntax' | 'unknown_field' | 'unknown_function' | 'type' | 'arity' | 'eval'

/**
 * Every problem the formula engine reports. `message` is English and meant for the merchant;
 * `position`/`end` are 0-based offsets into the formula source when known.
 */
export class FormulaError extends Error {
  override readonly name = 'FormulaError'

  constructor(
    readonly code: FormulaErrorCode,
    message: string,
    readonly position?: number,
    readonly end?: number,
  ) {
    super(message)
  }
}

export function evalError(message: string): FormulaError {
  return new FormulaError('eval', message)
}
