import {
  CellStyleModule,
  ColumnApiModule,
  ColumnAutoSizeModule,
  CustomFilterModule,
  InfiniteRowModelModule,
  LocaleModule,
  ModuleRegistry,
  RowSelectionModule,
  ScrollApiModule,
  ValidationModule,
  themeQuartz,
} from 'ag-grid-community'

/**
 * Only what the record grids use: server-side rows, selection, our own filters, cell classes,
 * the column state API (saved widths and order), fitting columns to the width and scrolling back
 * to the top.
 */
let registered = false

export function setupGrid(): void {
  if (registered) return
  registered = true
  ModuleRegistry.registerModules([
    InfiniteRowModelModule,
    RowSelectionModule,
    ScrollApiModule,
    CustomFilterModule,
    CellStyleModule,
    ColumnApiModule,
    ColumnAutoSizeModule,
    LocaleModule,
    // explains misconfiguration in the console while developing
    ...(import.meta.env.DEV ? [ValidationModule] : []),
  ])
}

export const gridTheme = themeQuartz.withParams({
  fontFamily: ['-apple-system', 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans CJK SC', 'Noto Sans SC', 'sans-serif'],
  fontSize: 13,
  accentColor: '#409eff',
  headerBackgroundColor: '#f5f7fa',
  headerFontWeight: 600,
  borderRadius: 4,
  wrapperBorderRadius: 4,
  rowHeight: 40,
  headerHeight: 40,
})
