/**
 * Caps on an uploaded spreadsheet, so a huge or hostile file gets a clear error instead of taking
 * the server down. Overridable from the environment for merchants with bigger files.
 */
export interface ImportLimits {
  /** bytes of the uploaded file */
  maxFileBytes: number
  /** data rows (the header not counted) */
  maxRows: number
  /** characters of one cell (Excel itself stops at 32,767) */
  maxCellChars: number
}

export function importLimits(env: NodeJS.ProcessEnv = process.env): ImportLimits {
  const number = (name: string, fallback: number) => {
    const value = Number(env[name])
    return Number.isFinite(value) && value > 0 ? value : fallback
  }
  return {
    maxFileBytes: number('ZG_IMPORT_MAX_MB', 50) * 1024 * 1024,
    maxRows: number('ZG_IMPORT_MAX_ROWS', 200_000),
    maxCellChars: number('ZG_IMPORT_MAX_CELL', 32_767),
  }
}

/** How long an uploaded file is kept for the import that follows its preview. */
export const UPLOAD_TTL_MS = 60 * 60 * 1000
