import { computed } from 'vue'
import { createI18n } from 'vue-i18n'
import elEn from 'element-plus/es/locale/lang/en'
import elZhCn from 'element-plus/es/locale/lang/zh-cn'
import { LOCALES, type Locale } from '@schema/lib/localized'
import approvalsEn from './approvals.en'
import approvalsZhCN from './approvals.zh-CN'
import designerEn from './designer.en'
import designerZhCN from './designer.zh-CN'
import en from './en'
import purchaseEn from './purchase.en'
import purchaseZhCN from './purchase.zh-CN'
import errorsEn from './messages.en'
import errorsZhCN from './messages.zh-CN'
import packsEn from './packs.en'
import packsZhCN from './packs.zh-CN'
import peopleEn from './people.en'
import peopleZhCN from './people.zh-CN'
import reportsEn from './reports.en'
import reportsZhCN from './reports.zh-CN'
import transferEn from './transfer.en'
import transferZhCN from './transfer.zh-CN'
import viewsEn from './views.en'
import viewsZhCN from './views.zh-CN'
import zhCN from './zh-CN'

const STORAGE_KEY = 'zg.locale'

function initialLocale(): Locale {
  const saved = localStorage.getItem(STORAGE_KEY)
  return (LOCALES as readonly string[]).includes(saved ?? '') ? (saved as Locale) : 'zh-CN'
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'zh-CN',
  // Feature modules keep their words in files of their own, merged here under their namespace
  // (server error codes: messages.*.ts, see composables/errorText.ts; approvals, designer, packs).
  messages: {
    'zh-CN': { ...zhCN, errors: errorsZhCN, packs: packsZhCN, approvals: approvalsZhCN, designer: designerZhCN, reports: reportsZhCN, purchase: purchaseZhCN, transfer: transferZhCN, views: viewsZhCN, people: peopleZhCN },
    en: { ...en, errors: errorsEn, packs: packsEn, approvals: approvalsEn, designer: designerEn, reports: reportsEn, purchase: purchaseEn, transfer: transferEn, views: viewsEn, people: peopleEn },
  },
})

/** The current locale, typed for localize() and settable from the language switch. */
export const currentLocale = computed<Locale>({
  get: () => i18n.global.locale.value as Locale,
  set: (locale) => {
    i18n.global.locale.value = locale
    localStorage.setItem(STORAGE_KEY, locale)
    document.documentElement.lang = locale
  },
})

export const elementLocale = computed(() => (currentLocale.value === 'en' ? elEn : elZhCn))

export { LOCALES }
export type { Locale }
