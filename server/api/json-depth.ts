import type { NextFunction, Request, Response } from 'express'
import { AppError } from '../lib/errors'

/** Deeper than any record, filter, view or template we read (a filter group nests a few levels). */
export const MAX_JSON_DEPTH = 64

/**
 * Refuses JSON bodies nested deeper than MAX_JSON_DEPTH: JSON.parse copes with 100,000 levels,
 * but every recursive walk after it (validation, JSON.stringify, the filter compiler) would run
 * out of stack and answer 500. The walk here is iterative and stops at the first deep branch.
 */
export function jsonDepthLimit(req: Request, _res: Response, next: NextFunction) {
  if (req.body !== null && typeof req.body === 'object' && tooDeep(req.body, MAX_JSON_DEPTH)) {
    throw new AppError(413, 'too_large', `the JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`).because('body_too_deep', { max: MAX_JSON_DEPTH })
  }
  next()
}

export function tooDeep(value: object, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]]
  while (stack.length) {
    const [node, depth] = stack.pop()!
    if (node === null || typeof node !== 'object') continue
    if (depth > max) return true
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1])
    }
  }
  return false
}
