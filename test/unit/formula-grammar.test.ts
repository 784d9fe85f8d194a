import { readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  PARSER_DTS_PATH,
  PARSER_JS_PATH,
  generateParserDeclarations,
  generateParserSource,
} from '../../scripts/build-grammar'

const STALE = 'is out of date with schema/formula/grammar.ts: run `npx tsx scripts/build-grammar.ts` and commit the result'

/** A committed file, with line endings normalised in case git converted them on checkout. */
function committed(file: string): string {
  return readFileSync(file, 'utf8').replace(/\r\n/g, '\n')
}

describe('generated formula parser', () => {
  it('parser.generated.js matches the grammar', () => {
    const fresh = generateParserSource()
    const onDisk = committed(PARSER_JS_PATH)
    // Compare as a boolean first so a stale file fails with the instruction, not a 40 KB diff.
    expect(onDisk === fresh, `${path.basename(PARSER_JS_PATH)} ${STALE}`).toBe(true)
  })

  it('parser.generated.d.ts matches the script', () => {
    expect(committed(PARSER_DTS_PATH), `${path.basename(PARSER_DTS_PATH)} ${STALE}`).toBe(generateParserDeclarations())
  })

  it('nothing under schema/ imports peggy at runtime', () => {
    const schema = path.resolve(import.meta.dirname, '../../schema')
    const offenders = readdirSync(schema, { recursive: true, encoding: 'utf8' })
      .filter((file) => /\.(ts|js|mjs|vue)$/.test(file) && !file.endsWith('.d.ts'))
      .filter((file) => /(from|import|require\()\s*\(?\s*['"]peggy['"]/.test(readFileSync(path.join(schema, file), 'utf8')))
    expect(offenders).toEqual([])
  })
})
