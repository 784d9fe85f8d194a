import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { isMessageCode, MESSAGE_CATALOG, MESSAGE_CODES, type MessageCode } from '../../schema/messages/catalog'
import en from '../../client/src/i18n/messages.en'
import zhCN from '../../client/src/i18n/messages.zh-CN'

const ROOT = path.resolve(__dirname, '../..')

/** `{name}` placeholders of a vue-i18n message. */
const placeholders = (text: string) => [...text.matchAll(/\{\s*([A-Za-z_]\w*)\s*\}/g)].map((m) => m[1])

/**
 * Codes passed to the problem constructors in a source text: problem('x', …), fieldProblem(path,
 * 'x', …), .because('x', …), new AppError(status, 'x', …), and the error handler's send(…, 'x').
 */
export function codesUsed(source: string): string[] {
  // problem() counts where it is the catalog's (another module may have a local `problem`)
  const catalogProblem = /import \{[^}]*\bproblem\b[^}]*\} from '[./]*\/?(schema\/)?messages\/problem'/.test(source)
  const patterns = [
    ...(catalogProblem ? [/(?<!\w)(?<![^.]\.)problem\(\s*'(\w+)'/g] : []),
    /\bfieldProblem\([^;]*?,\s*(?:[\w.]+\s*\?\?\s*)?'(\w+)'/g,
    /\.because\(\s*(?:[^'()]*\?\s*)?'(\w+)'(?:\s*:\s*'(\w+)')?/g,
    /\b(?:new AppError|super)\(\s*\d+,\s*'(\w+)'/g,
    /\bsend\(res,\s*[^,]+,\s*'(\w+)'[^)]*?(?:'(\w+)')?\)/g,
  ]
  return patterns.flatMap((re) => [...source.matchAll(re)].flatMap((m) => m.slice(1).filter(Boolean)))
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name)
    if (statSync(file).isDirectory()) return sources(file)
    return /\.ts$/.test(name) && !name.endsWith('.d.ts') ? [file] : []
  })
}

describe('the message catalog', () => {
  it('words every code in zh-CN and English, and nothing else', () => {
    for (const [locale, texts] of [['zh-CN', zhCN], ['en', en]] as const) {
      expect(Object.keys(texts).sort(), locale).toEqual([...MESSAGE_CODES].sort())
      for (const code of MESSAGE_CODES) expect(texts[code]?.trim(), `${locale} ${code}`).toBeTruthy()
    }
  })

  it('uses only declared params (and the server\'s English `message`) in each text', () => {
    for (const code of MESSAGE_CODES) {
      const declared = new Set<string>([...MESSAGE_CATALOG[code], 'message'])
      for (const [locale, texts] of [['zh-CN', zhCN], ['en', en]] as const) {
        for (const name of placeholders(texts[code])) expect(declared.has(name), `${locale} ${code} uses {${name}}`).toBe(true)
      }
    }
  })

  it('finds codes in constructor calls, so a code missing from the catalog is caught', () => {
    const sample = `
      import { problem } from '../messages/problem'
      problem('too_many_decimals', 'x', { max: 2 })
      problems.push({ field: at, ...problem('barcode_ean13', 'must be 13 digits') })
      fieldProblem(p.path, p.code ?? 'invalid_filter', p.message)
      super(422, 'validation_failed', message)
      fieldProblem(\`\${at}[\${i}].id\`, 'unknown_line', 'must be…')
      throw notFound('…').because(line ? 'line_in_use' : 'record_in_use', { form })
      throw badRequest('…').because('no_such_code')
      new AppError(429, 'too_many_attempts', '…')
      send(res, 400, 'bad_request', 'the request body is not valid JSON', null, 'body_not_json')`
    expect(codesUsed(sample)).toEqual(
      expect.arrayContaining(['barcode_ean13', 'invalid_filter', 'validation_failed', 'too_many_decimals', 'unknown_line', 'line_in_use', 'record_in_use', 'no_such_code', 'too_many_attempts', 'bad_request', 'body_not_json']),
    )
    expect(codesUsed(sample).filter((c) => !isMessageCode(c))).toEqual(['no_such_code'])
  })

  it('holds every code the server and the shared schema code use', () => {
    const used = new Map<string, string>()
    for (const file of [...sources(path.join(ROOT, 'server')), ...sources(path.join(ROOT, 'schema'))]) {
      for (const code of codesUsed(readFileSync(file, 'utf8'))) used.set(code, path.relative(ROOT, file))
    }
    expect(used.size).toBeGreaterThan(100)
    const unknown = [...used].filter(([code]) => !isMessageCode(code)).map(([code, file]) => `${code} (${file})`)
    expect(unknown).toEqual([])
    // and the catalog holds no code nobody sends
    const unused = MESSAGE_CODES.filter((code: MessageCode) => !used.has(code))
    expect(unused).toEqual([])
  })
})
