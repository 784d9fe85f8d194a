import type { InjectionKey } from 'vue'

/** The record form's problems by field path (`qty`, `lines[1].qty`), for widgets that hold others. */
export const FIELD_ERRORS: InjectionKey<(path: string) => string | undefined> = Symbol('field-errors')
