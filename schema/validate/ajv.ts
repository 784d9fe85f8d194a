import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv'
import type { TSchema } from '@sinclair/typebox'
import { isReservedKey } from '../fields/common'
import type { MessageCode } from '../messages/catalog'
import { problem, type MessageParams } from '../messages/problem'

const ajv = new Ajv({ allErrors: true, strict: false })
const compiled = new WeakMap<TSchema, ValidateFunction>()

export interface SchemaProblem {
  path: string
  message: string
  code?: MessageCode
  params?: MessageParams
}

/** The value at a JSON pointer ('/forms/0/key') inside `value`. */
function valueAt(value: unknown, pointer: string): unknown {
  let node = value
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    node = node !== null && typeof node === 'object' && Object.hasOwn(node, part) ? (node as Record<string, unknown>)[part] : undefined
  }
  return node
}

/** '/forms/2/fields/5/type' → 'forms[2].fields[5].type' under a base path. */
export function toPath(base: string, pointer: string): string {
  let path = base
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    path = /^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part
  }
  return path
}

function describe(error: ErrorObject): { suffix?: string; message: string } {
  const p = error.params as Record<string, unknown>
  switch (error.keyword) {
    case 'required':
      return { suffix: String(p.missingProperty), message: 'is required' }
    case 'additionalProperties':
      return { suffix: String(p.additionalProperty), message: `unknown property "${String(p.additionalProperty)}"` }
    case 'const':
      return { message: `must be ${JSON.stringify(p.allowedValue)}` }
    case 'type':
      return { message: `must be ${String(p.type)}` }
    case 'pattern':
      return { message: `must match ${String(p.pattern)}` }
    default:
      return { message: error.message ?? 'is invalid' }
  }
}

/**
 * Validates `value` and returns one readable problem per place. Union failures (anyOf) are
 * reported once, with the schema's description, instead of one line per alternative.
 */
export function checkSchema(schema: TSchema, value: unknown, base = ''): SchemaProblem[] {
  let validate = compiled.get(schema)
  if (!validate) {
    validate = ajv.compile(schema)
    compiled.set(schema, validate)
  }
  if (validate(value)) return []
  const errors = validate.errors ?? []
  const unionPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath))
  const problems = new Map<string, string>()
  const reserved = new Map<string, SchemaProblem>()
  for (const error of errors) {
    const refused = error.keyword === 'not' ? valueAt(value, error.instancePath) : undefined
    if (typeof refused === 'string' && isReservedKey(refused)) {
      const key = refused
      const path = toPath(base, error.instancePath)
      reserved.set(path, { path, ...problem('key_reserved', `"${key}" is a reserved name; choose another key`, { key }) })
      continue
    }
    const insideUnion = [...unionPaths].some((u) => error.instancePath.startsWith(u) && error.keyword !== 'anyOf')
    if (insideUnion) continue
    if (error.keyword === 'anyOf') {
      const described = (error.parentSchema as { description?: string } | undefined)?.description
      problems.set(toPath(base, error.instancePath), described ? `must be ${described}` : 'does not match any allowed form')
      continue
    }
    const { suffix, message } = describe(error)
    const path = toPath(base, error.instancePath + (suffix ? `/${suffix}` : ''))
    if (!problems.has(path)) problems.set(path, message)
  }
  // A reserved name usually breaks the pattern too: the reason that names it wins.
  return [...[...problems].filter(([path]) => !reserved.has(path)).map(([path, message]) => ({ path, message })), ...reserved.values()]
}
