import { quoteIdentifier } from '../db/dialects/types'

/**
 * A piece of SQL text with its `?` bindings. Values are only ever bindings; identifiers only ever
 * come through `id()`, which accepts nothing but validated names from form definitions.
 */
export class Sql {
  constructor(
    readonly text: string,
    readonly bindings: readonly unknown[] = [],
  ) {}

  static join(parts: Sql[], separator: string): Sql {
    return new Sql(
      parts.map((p) => p.text).join(separator),
      parts.flatMap((p) => p.bindings),
    )
  }

  /** wrap in parentheses */
  group(): Sql {
    return new Sql(`(${this.text})`, this.bindings)
  }
}

export const raw = (text: string, bindings: unknown[] = []) => new Sql(text, bindings)

/** `alias."column"` */
export function id(...names: string[]): string {
  return names.map(quoteIdentifier).join('.')
}

export function placeholders(values: readonly unknown[]): Sql {
  return new Sql(values.map(() => '?').join(', '), values)
}

export const TRUE = raw('1 = 1')
export const FALSE = raw('1 = 0')

/** Runs SQL text with `?` bindings and returns its rows, whichever driver answered. */
export async function selectRows(knex: import('knex').Knex, text: string, bindings: readonly unknown[]): Promise<Record<string, unknown>[]> {
  const result: unknown = await knex.raw(text, bindings as import('knex').Knex.RawBinding[])
  if (Array.isArray(result)) return result as Record<string, unknown>[]
  return ((result as { rows?: Record<string, unknown>[] }).rows ?? []) as Record<string, unknown>[]
}
