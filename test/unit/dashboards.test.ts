import { describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { validatePack } from '../../schema/validate/pack'
import { validateDashboard } from '../../schema/dashboards/validate'
import { applyFormulas, bucketDays, changeRatio, drillFilter, presetRange, previousRange, rowsByProvince, aggregateRequest } from '../../schema/dashboards/query'
import { normalizeProvince, PROVINCES } from '../../schema/lib/provinces'
import { taobaoErpPack } from '../support/packs'

const compiled = validatePack(taobaoErpPack())
if (!compiled.forms) throw new Error('the Taobao ERP pack does not compile')
const forms = (key: string) => compiled.forms!.get(key)

const widget = (over: Record<string, unknown> = {}, dataset: Record<string, unknown> = {}) => ({
  key: 'gmv',
  type: 'kpi',
  title: 'GMV',
  layout: { x: 0, y: 0, w: 6, h: 4 },
  dataset: { form: 'orders', date_field: 'paid_at', measures: [{ fn: 'sum', field: 'payment_total', as: 'gmv' }, { fn: 'count', as: 'orders' }], ...dataset },
  ...over,
})
const board = (...widgets: unknown[]) => ({ key: 'sales', label: { 'zh-CN': '销售', en: 'Sales' }, widgets })

describe('dashboard definitions', () => {
  it('accepts the built-in dashboards of the Taobao ERP pack', () => {
    const dir = path.resolve(__dirname, '../../templates/taobao-erp/dashboards')
    const files = fs.readdirSync(dir)
    expect(files.length).toBeGreaterThanOrEqual(5)
    for (const file of files) {
      const def = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'))
      expect(validateDashboard(def, forms), file).toEqual([])
    }
  })

  it('accepts a widget with a formula over its measures', () => {
    expect(validateDashboard(board(widget({ formulas: [{ as: 'aov', formula: 'gmv / orders' }] })), forms)).toEqual([])
  })

  it('names the widget and the place of each problem, with a code', () => {
    const cases: [unknown, string, string][] = [
      [widget({}, { form: 'orderz' }), 'dashboard.widgets[0].dataset.form', 'dashboard_unknown_form'],
      [widget({}, { measures: [{ fn: 'sum', field: 'paymnet', as: 'x' }] }), 'dashboard.widgets[0].dataset.measures[0].field', 'dashboard_unknown_field'],
      [widget({}, { measures: [{ fn: 'sum', field: 'status', as: 'x' }] }), 'dashboard.widgets[0].dataset.measures[0].field', 'dashboard_field_kind'],
      [widget({}, { measures: [{ fn: 'avg', as: 'x' }] }), 'dashboard.widgets[0].dataset.measures[0].field', 'dashboard_measure_needs_field'],
      [widget({}, { date_field: 'status' }), 'dashboard.widgets[0].dataset.date_field', 'dashboard_field_kind'],
      [widget({}, { shop_field: 'buyer_nick' }), 'dashboard.widgets[0].dataset.shop_field', 'dashboard_field_kind'],
      [widget({}, { group_by: ['shop.nmae'] }), 'dashboard.widgets[0].dataset.group_by[0]', 'dashboard_unknown_field'],
      [widget({}, { form: 'orders.lines', date_field: 'parent.paid_at', measures: [{ fn: 'count', as: 'n' }], group_by: ['sku.product_name'] }), 'dashboard.widgets[0].dataset.group_by[0]', 'dashboard_unknown_field'],
      [widget({}, { group_by: [{ field: 'buyer_nick', by: 'day' }] }), 'dashboard.widgets[0].dataset.group_by[0].field', 'dashboard_field_kind'],
      [widget({}, { filter: { field: 'stauts', op: 'eq', value: 'x' } }), 'dashboard.widgets[0].dataset.filter.field', 'dashboard_bad_filter'],
      [widget({}, { measures: [{ fn: 'count', as: 'x', filter: { field: 'stauts', op: 'eq', value: 'x' } }] }), 'dashboard.widgets[0].dataset.measures[0].filter.field', 'dashboard_bad_filter'],
      [widget({ formulas: [{ as: 'aov', formula: 'gmv / ordrs' }] }), 'dashboard.widgets[0].formulas[0].formula', 'dashboard_bad_formula'],
      [widget({ options: { value: 'nope' } }), 'dashboard.widgets[0].options.value', 'dashboard_bad_option'],
      [widget({ type: 'radar' }), 'dashboard.widgets[0].type', 'template_problem'],
    ]
    for (const [w, at, code] of cases) {
      const problems = validateDashboard(board(w), forms)
      expect(problems, at).toHaveLength(1)
      expect(problems[0]).toMatchObject({ path: at, code })
      if (code !== 'template_problem') expect(problems[0].params.widget).toBe('gmv')
    }
    const twice = validateDashboard(board(widget(), widget()), forms)
    expect(twice[0]).toMatchObject({ path: 'dashboard.widgets[1].key', code: 'dashboard_duplicate_widget' })
  })

  it('accepts link.field group keys and checks to-dos against their forms', () => {
    expect(validateDashboard(board(widget({}, { group_by: ['shop', 'shop.name'] })), forms)).toEqual([])
    const lines = { form: 'orders.lines', date_field: 'parent.paid_at', shop_field: 'parent.shop', filter: { field: 'parent.paid_at', op: 'is_not_empty' }, group_by: ['sku', 'sku.product'], measures: [{ fn: 'sum', field: 'payment', as: 'sales' }] }
    expect(validateDashboard(board(widget({}, lines)), forms)).toEqual([])
    const todos = { ...board(), todos: [{ key: 'x', label: '异常', form: 'orders', filter: { field: 'status', op: 'eq', value: 'exception' } }, { key: 'y', label: '?', form: 'nope' }, { key: 'z', label: '待办', source: 'approvals' }] }
    expect(validateDashboard(todos, forms)).toMatchObject([{ path: 'dashboard.todos[1].form', code: 'dashboard_unknown_form' }])
  })
})

describe('province names', () => {
  const official = [
    '北京市', '天津市', '河北省', '山西省', '内蒙古自治区', '辽宁省', '吉林省', '黑龙江省', '上海市', '江苏省', '浙江省', '安徽省',
    '福建省', '江西省', '山东省', '河南省', '湖北省', '湖南省', '广东省', '广西壮族自治区', '海南省', '重庆市', '四川省', '贵州省',
    '云南省', '西藏自治区', '陕西省', '甘肃省', '青海省', '宁夏回族自治区', '新疆维吾尔自治区', '台湾省', '香港特别行政区', '澳门特别行政区',
  ]
  const mapNames: string[] = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../client/src/dashboards/map/china.json'), 'utf8')).features.map((f: any) => f.properties.name)

  it('has the 34 names the map has', () => {
    expect([...PROVINCES].sort()).toEqual([...mapNames].filter(Boolean).sort())
  })

  it('meets official names, short names and spaced or English spellings on all 34', () => {
    expect(official).toHaveLength(34)
    official.forEach((name, i) => {
      expect(normalizeProvince(name), name).toBe(PROVINCES[i])
      expect(normalizeProvince(PROVINCES[i])).toBe(PROVINCES[i])
      expect(normalizeProvince(` ${name} `)).toBe(PROVINCES[i])
    })
    expect(normalizeProvince('Inner Mongolia')).toBe('内蒙古')
    expect(normalizeProvince('Hong Kong SAR')).toBe('香港')
    expect(normalizeProvince('Shaanxi')).toBe('陕西')
    expect(normalizeProvince('山西')).toBe('山西')
    expect(normalizeProvince('火星')).toBeNull()
    expect(normalizeProvince('')).toBeNull()
  })

  it('adds up the spellings of one province on the map and keeps them for drilling', () => {
    const rows = [{ p: '上海', v: '10.50' }, { p: '上海市', v: '1.25' }, { p: '内蒙古自治区', v: '3' }, { p: null, v: '9' }]
    expect(rowsByProvince(rows, 'p', 'v')).toEqual([{ name: '上海', value: '11.75', raw: ['上海', '上海市'] }, { name: '内蒙古', value: '3', raw: ['内蒙古自治区'] }])
  })
})

describe('dashboard queries', () => {
  const now = Date.parse('2026-03-15T02:00:00Z') // 10:00 in Shanghai
  it('reads date presets in Asia/Shanghai and compares with the period before', () => {
    expect(presetRange('today', Date.parse('2026-03-15T17:00:00Z'))).toEqual({ from: '2026-03-16', to: '2026-03-16' })
    expect(presetRange('yesterday', now)).toEqual({ from: '2026-03-14', to: '2026-03-14' })
    expect(presetRange('last_7_days', now)).toEqual({ from: '2026-03-09', to: '2026-03-15' })
    expect(presetRange('last_30_days', now)).toEqual({ from: '2026-02-14', to: '2026-03-15' })
    expect(presetRange('this_month', now)).toEqual({ from: '2026-03-01', to: '2026-03-15' })
    expect(presetRange('last_month', now)).toEqual({ from: '2026-02-01', to: '2026-02-28' })
    expect(presetRange('this_year', now)).toEqual({ from: '2026-01-01', to: '2026-03-15' })
    expect(previousRange({ from: '2026-03-09', to: '2026-03-15' })).toEqual({ from: '2026-03-02', to: '2026-03-08' })
    expect(changeRatio('120.00', '100.00')).toBe('0.2')
    expect(changeRatio('5', '0')).toBeNull()
  })

  it('applies the dashboard filters on the fields a dataset declares', () => {
    const ds = { form: 'orders', date_field: 'paid_at', shop_field: 'shop', filter: { field: 'status', op: 'ne', value: 'cancelled' }, measures: [{ fn: 'count' as const, as: 'n' }] }
    expect(aggregateRequest(ds, { range: { from: '2026-03-01', to: '2026-03-02' }, shop: 3, warehouse: 7 })).toEqual({
      filter: { and: [ds.filter, { field: 'paid_at', op: 'gte', value: '2026-03-01' }, { field: 'paid_at', op: 'lt', value: '2026-03-03' }, { field: 'shop', op: 'eq', value: 3 }] },
      group_by: [],
      measures: [{ fn: 'count', as: 'n' }],
    })
  })

  it("passes a measure's own filter to the aggregate request", () => {
    const refunded = { field: 'refunded_amount', op: 'gt', value: 0 }
    const ds = { form: 'orders', measures: [{ fn: 'count' as const, as: 'n' }, { fn: 'count' as const, as: 'refunded', filter: refunded, label: 'x' }] }
    expect(aggregateRequest(ds, {}).measures).toEqual([{ fn: 'count', as: 'n' }, { fn: 'count', as: 'refunded', filter: refunded }])
  })

  it('drills one group to exactly its records', () => {
    const ds = { form: 'orders', date_field: 'paid_at', group_by: [{ field: 'paid_at', by: 'month' as const }, 'status'], measures: [{ fn: 'count' as const, as: 'n' }] }
    expect(drillFilter(ds, {}, { paid_at: '2026-12', status: null })).toEqual({
      and: [{ field: 'paid_at', op: 'gte', value: '2026-12-01' }, { field: 'paid_at', op: 'lt', value: '2027-01-01' }, { field: 'status', op: 'is_empty' }],
    })
    expect(bucketDays('quarter', '2026-Q4')).toEqual({ from: '2026-10-01', before: '2027-01-01' })
    expect(bucketDays('week', '2026-11-23')).toEqual({ from: '2026-11-23', before: '2026-11-30' })
    expect(bucketDays('year', '2026')).toEqual({ from: '2026-01-01', before: '2027-01-01' })
    expect(drillFilter({ ...ds, group_by: ['shop.name'] }, {}, { 'shop.name': 'x' })).toBeNull()
  })

  it('computes formulas over measures exactly, blank where they cannot be computed', () => {
    const w = { dataset: { form: 'orders', measures: [{ fn: 'sum' as const, field: 'payment_total', as: 'gmv' }, { fn: 'count' as const, as: 'orders' }] }, formulas: [{ as: 'aov', formula: 'gmv / orders' }, { as: 'x', formula: 'aov * 3', scale: 0 }] }
    expect(applyFormulas([{ gmv: '100.00', orders: 3 }, { gmv: '0.00', orders: 0 }], w)).toEqual([
      { gmv: '100.00', orders: 3, aov: '33.33', x: '100' },
      { gmv: '0.00', orders: 0, aov: null, x: '0' },
    ])
  })
})
