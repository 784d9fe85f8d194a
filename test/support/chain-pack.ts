/**
 * Forms whose stored values read linked records two links away:
 *   makers.rate → parts.maker_rate (lookup) → parts.unit_price (stored formula)
 *   → builds.lines.unit_price (lookup) → amount → builds.total (rollup) → with_tax (formula)
 *   → projects.build_total (rollup over builds) → budget_left (formula);
 *   and builds.lines.maker_rate is a lookup of the lookup parts.maker_rate → rated_qty → rated_total.
 * builds.lines.code reads parts.code, which no stored value uses.
 */
export function chainPack(): any {
  return {
    format: 'zhanggui.pack/1',
    key: 'chain',
    name: '链',
    version: '1.0.0',
    forms: [
      {
        key: 'makers',
        label: '厂家',
        title_field: 'name',
        fields: [
          { key: 'name', type: 'text', label: '名称' },
          { key: 'rate', type: 'number', label: '系数', scale: 2 },
        ],
      },
      {
        key: 'parts',
        label: '零件',
        title_field: 'code',
        fields: [
          { key: 'code', type: 'text', label: '编码' },
          { key: 'maker', type: 'link', label: '厂家', form: 'makers' },
          { key: 'maker_rate', type: 'lookup', label: '厂家系数', link: 'maker', field: 'rate' },
          { key: 'cost', type: 'money', label: '成本' },
          { key: 'unit_price', type: 'formula', label: '单价', formula: 'cost * maker_rate', result: 'money' },
        ],
      },
      {
        key: 'projects',
        label: '项目',
        title_field: 'name',
        fields: [
          { key: 'name', type: 'text', label: '名称' },
          { key: 'budget', type: 'money', label: '预算' },
          { key: 'build_total', type: 'rollup', label: '已用', source: { form: 'builds', link: 'project' }, aggregate: 'sum', field: 'with_tax' },
          { key: 'budget_left', type: 'formula', label: '余额', formula: 'budget - build_total', result: 'money' },
        ],
      },
      {
        key: 'builds',
        label: '组装单',
        document: true,
        fields: [
          { key: 'project', type: 'link', label: '项目', form: 'projects' },
          {
            key: 'lines',
            type: 'sub_form',
            label: '明细',
            fields: [
              { key: 'part', type: 'link', label: '零件', form: 'parts' },
              { key: 'code', type: 'lookup', label: '编码', link: 'part', field: 'code' },
              { key: 'unit_price', type: 'lookup', label: '单价', link: 'part', field: 'unit_price' },
              { key: 'maker_rate', type: 'lookup', label: '厂家系数', link: 'part', field: 'maker_rate' },
              { key: 'qty', type: 'number', label: '数量' },
              { key: 'amount', type: 'formula', label: '金额', formula: 'qty * unit_price', result: 'money' },
              { key: 'rated_qty', type: 'formula', label: '折算数量', formula: 'qty * maker_rate', result: 'number', scale: 2 },
            ],
          },
          { key: 'total', type: 'rollup', label: '合计', source: 'lines', aggregate: 'sum', field: 'amount' },
          { key: 'rated_total', type: 'rollup', label: '折算合计', source: 'lines', aggregate: 'sum', field: 'rated_qty' },
          { key: 'with_tax', type: 'formula', label: '含税', formula: 'ROUND(total * 1.13, 2)', result: 'money' },
        ],
      },
    ],
  }
}
