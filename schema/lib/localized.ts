import { Type, type Static } from '@sinclair/typebox'

export const LOCALES = ['zh-CN', 'en'] as const
export type Locale = (typeof LOCALES)[number]

/** A label: plain text (read as zh-CN) or one text per locale. */
export const LocalizedText = Type.Union(
  [
    Type.String({ minLength: 1 }),
    Type.Object(
      { 'zh-CN': Type.String({ minLength: 1 }), en: Type.Optional(Type.String({ minLength: 1 })) },
      { additionalProperties: false },
    ),
  ],
  { description: 'text, or {"zh-CN": "…", "en": "…"}' },
)
export type LocalizedText = Static<typeof LocalizedText>

export function localize(text: LocalizedText | undefined, locale: Locale = 'zh-CN'): string {
  if (text === undefined) return ''
  if (typeof text === 'string') return text
  return (locale === 'en' ? text.en : undefined) ?? text['zh-CN']
}

/** Every spelling of a label, for resolving `{数量}`-style references in any locale. */
export function allSpellings(text: LocalizedText | undefined): string[] {
  if (text === undefined) return []
  return typeof text === 'string' ? [text] : [text['zh-CN'], ...(text.en ? [text.en] : [])]
}
