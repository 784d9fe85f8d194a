/**
 * Formats template JSON for people: objects and arrays that fit on one line (≤ 110 characters
 * with their indentation) stay on one line, everything else is indented two spaces.
 *   npx tsx scripts/format-json.ts templates/taobao-erp/forms/*.json
 */
import fs from 'node:fs'

const WIDTH = 110

export function formatJson(value: unknown, indent = 0): string {
  const flat = JSON.stringify(value)
  if (flat === undefined) return 'null'
  if (typeof value !== 'object' || value === null || indent * 2 + flat.length <= WIDTH) return spaced(flat, value)
  const pad = '  '.repeat(indent + 1)
  const end = '  '.repeat(indent)
  if (Array.isArray(value)) return `[\n${value.map((v) => pad + formatJson(v, indent + 1)).join(',\n')}\n${end}]`
  const entries = Object.entries(value as Record<string, unknown>)
  return `{\n${entries.map(([k, v]) => `${pad}${JSON.stringify(k)}: ${formatJson(v, indent + 1)}`).join(',\n')}\n${end}}`
}

/** One-line JSON with a space after colons and commas, as people write it. */
function spaced(flat: string, value: unknown): string {
  if (typeof value !== 'object' || value === null) return flat
  const inline = (v: unknown): string => {
    if (Array.isArray(v)) return v.length ? `[${v.map(inline).join(', ')}]` : '[]'
    if (v && typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>)
      return entries.length ? `{ ${entries.map(([k, x]) => `${JSON.stringify(k)}: ${inline(x)}`).join(', ')} }` : '{}'
    }
    return JSON.stringify(v)
  }
  return inline(value)
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const file of process.argv.slice(2)) {
    const value = JSON.parse(fs.readFileSync(file, 'utf8'))
    fs.writeFileSync(file, `${formatJson(value)}\n`)
  }
}
