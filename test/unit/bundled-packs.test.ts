import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { validatePack } from '../../schema/validate/pack'
import { readPack } from '../../server/forms/pack-files'

/** Every pack shipped in templates/ must install on its own: a merchant may pick any one of them. */
const TEMPLATES = path.resolve(import.meta.dirname, '../../templates')
const dirs = fs.readdirSync(TEMPLATES).filter((d) => fs.existsSync(path.join(TEMPLATES, d, 'pack.json')))

const refsIn = (value: unknown): string[] =>
  Array.isArray(value)
    ? value.flatMap(refsIn)
    : value && typeof value === 'object'
      ? typeof (value as { $ref?: unknown }).$ref === 'string'
        ? [(value as { $ref: string }).$ref]
        : Object.values(value).flatMap(refsIn)
      : []

describe.each(dirs)('the bundled pack %s', (dir) => {
  const pack = readPack(path.join(TEMPLATES, dir)) as any
  const formKeys = (pack.forms as { key: string }[]).map((f) => f.key)

  // the Taobao ERP's 31 forms take seconds to compile on a busy machine
  it('validates alone, without any other pack', { timeout: 30_000 }, () => {
    const result = validatePack({ ...pack, sample_data: undefined, seed_data: undefined })
    expect(result.problems).toEqual([])
  })

  it('has an author, a description and at most three small screenshots', () => {
    expect(pack.author).toBeTruthy()
    expect(pack.description?.['zh-CN'] && pack.description?.en).toBeTruthy()
    expect(pack.screenshots?.length ?? 0).toBeGreaterThan(0)
    expect(pack.screenshots.length).toBeLessThanOrEqual(3)
    for (const uri of pack.screenshots as string[]) expect((uri.length * 3) / 4).toBeLessThan(150 * 1024)
  })

  it('has sample data only for its own forms, each $ref pointing at a record created before it', () => {
    const created = new Map<string, number>()
    for (const [form, records] of Object.entries((pack.sample_data ?? {}) as Record<string, unknown[]>)) {
      expect(formKeys).toContain(form)
      for (const ref of refsIn(records)) {
        const [target, index] = ref.split(':')
        expect(Number(index), `${form}: ${ref}`).toBeLessThan(created.get(target) ?? 0)
      }
      created.set(form, records.length)
    }
  })
})

it('bundled packs do not share form keys', { timeout: 30_000 }, () => {
  const owners = new Map<string, string>()
  for (const dir of dirs) {
    for (const form of (readPack(path.join(TEMPLATES, dir)) as any).forms as { key: string }[]) {
      expect(owners.get(form.key), `${form.key} in ${dir}`).toBeUndefined()
      owners.set(form.key, dir)
    }
  }
})
