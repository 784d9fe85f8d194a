/** A tiny stock system written only in this test's JSON: proof that document rules are data. */
export function inventoryPack(): any {
  const qty = (key: string, label: string) => ({ key, type: 'number', label, scale: 0 })
  return {
    format: 'zhanggui.pack/1',
    key: 'mini_stock',
    name: '迷你库存',
    version: '1.0.0',
    forms: [
      { key: 'goods', label: '货品', title_field: 'code', fields: [{ key: 'code', type: 'text', label: '编码', unique: true }, { key: 'cost', type: 'money', label: '成本' }] },
      { key: 'depots', label: '仓库', title_field: 'name', fields: [{ key: 'name', type: 'text', label: '名称' }, { key: 'allow_negative', type: 'checkbox', label: '允许负库存' }] },
      {
        key: 'levels',
        label: '库存',
        system_written: true,
        fields: [
          { key: 'item', type: 'link', label: '货品', form: 'goods' },
          { key: 'depot', type: 'link', label: '仓库', form: 'depots' },
          qty('on_hand', '在库'),
          { key: 'amount', type: 'money', label: '金额' },
          { key: 'unit_cost', type: 'formula', label: '单位成本', formula: 'IF(on_hand > 0, amount / on_hand, 0)', result: 'money', scale: 4 },
          { key: 'allow_negative', type: 'lookup', label: '允许负库存', link: 'depot', field: 'allow_negative' },
        ],
        indexes: [{ fields: ['item', 'depot'], unique: true }],
      },
      {
        key: 'moves',
        label: '流水',
        system_written: true,
        fields: [
          { key: 'item', type: 'link', label: '货品', form: 'goods' },
          { key: 'depot', type: 'link', label: '仓库', form: 'depots' },
          qty('qty', '数量'),
          { key: 'amount', type: 'money', label: '金额' },
          qty('balance_after', '结存'),
          { key: 'doc_form', type: 'text', label: '单据类型' },
          { key: 'doc_id', type: 'number', label: '单据ID' },
          { key: 'doc_no', type: 'text', label: '单号' },
          { key: 'posting', type: 'text', label: '记账' },
          { key: 'batch', type: 'text', label: '批次' },
          { key: 'reverses', type: 'text', label: '冲销' },
        ],
        ledger: {
          balance: {
            form: 'levels',
            key: ['item', 'depot'],
            add: { on_hand: 'qty', amount: 'amount' },
            after: { balance_after: 'on_hand' },
            constraints: [{ check: 'on_hand >= 0', unless: 'allow_negative', message: { 'zh-CN': '库存不足：{item} 在 {depot} 只剩 {on_hand}', en: 'Not enough stock: {on_hand} of {item} left in {depot}' } }],
          },
        },
      },
      {
        key: 'receipts',
        label: '收货单',
        document: true,
        title_field: 'no',
        fields: [
          { key: 'no', type: 'auto_number', label: '单号', pattern: 'SH{0000}' },
          { key: 'depot', type: 'link', label: '仓库', form: 'depots', required: true },
          {
            key: 'lines',
            type: 'sub_form',
            label: '明细',
            fields: [
              { key: 'item', type: 'link', label: '货品', form: 'goods', required: true },
              qty('qty', '数量'),
              { key: 'unit_cost', type: 'money', label: '单价' },
            ],
          },
        ],
        postings: [
          {
            name: 'in',
            ledger: 'moves',
            for_each: 'lines',
            when: 'qty > 0',
            values: { item: 'item', depot: 'parent.depot', qty: 'qty', amount: 'qty * unit_cost' },
          },
        ],
      },
      {
        key: 'issues',
        label: '发货单',
        document: true,
        title_field: 'no',
        fields: [
          { key: 'no', type: 'auto_number', label: '单号', pattern: 'FH{0000}' },
          { key: 'depot', type: 'link', label: '仓库', form: 'depots', required: true },
          { key: 'lines', type: 'sub_form', label: '明细', fields: [{ key: 'item', type: 'link', label: '货品', form: 'goods', required: true }, qty('qty', '数量')] },
        ],
        postings: [
          {
            name: 'out',
            ledger: 'moves',
            for_each: 'lines',
            values: {
              item: 'item',
              depot: 'parent.depot',
              qty: '-qty',
              // moving average: what leaves takes its share of the value; the last unit takes all that is left
              amount: 'IF(qty >= balance.on_hand, -balance.amount, -ROUND(qty * balance.amount / balance.on_hand, 2))',
            },
          },
        ],
      },
    ],
  }
}
