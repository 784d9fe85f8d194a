import iconv from 'iconv-lite'

export type TextEncoding = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'gbk'

/**
 * The text of an exported CSV. The seller center wrote GBK for years, newer exports (and files
 * re-saved by Excel or WPS) are UTF-8 with or without a BOM, and Excel's "Unicode text" is
 * UTF-16 with a BOM. A BOM decides; otherwise bytes that are valid UTF-8 are UTF-8 (Chinese GBK
 * text practically never is), and anything else is read as GB18030, GBK's superset.
 */
export function decodeText(buffer: Uint8Array): { text: string; encoding: TextEncoding } {
  const bytes = Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength)
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { text: new TextDecoder('utf-8').decode(bytes.subarray(3)), encoding: 'utf-8-bom' }
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: iconv.decode(bytes.subarray(2), 'utf16le'), encoding: 'utf-16le' }
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { text: iconv.decode(bytes.subarray(2), 'utf16be'), encoding: 'utf-16be' }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' }
  } catch {
    return { text: iconv.decode(bytes, 'gb18030'), encoding: 'gbk' }
  }
}
