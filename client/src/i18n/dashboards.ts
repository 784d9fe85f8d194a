import { i18n } from './index'
import en from './dashboards.en'
import zhCN from './dashboards.zh-CN'

/*
 * The dashboards' words join the messages when a dashboard page is first loaded (HomeView and the
 * designer import this module), so they stay out of the first page's JavaScript like the charts.
 */
i18n.global.mergeLocaleMessage('zh-CN', { dashboards: zhCN })
i18n.global.mergeLocaleMessage('en', { dashboards: en })
