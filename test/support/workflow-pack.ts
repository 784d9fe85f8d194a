import { inventoryPack } from './inventory-pack'

const status = (value: string, label: string) => ({ value, label })

/**
 * A parcel workflow written only in JSON, on the mini stock system: statuses, an editable_when,
 * actions that set values by formula over the record and their params, check requirements, post
 * and reverse a posting, and run each other. 1.1.0 is the docs' worked example: a merchant adds
 * the status 待质检 and the action 质检通过 without writing TypeScript.
 */
export function workflowPack(version = '1.1.0'): any {
  const withQc = version !== '1.0.0'
  const pack = inventoryPack()
  pack.key = 'mini_flow'
  pack.version = version
  const actions: any[] = [
    {
      key: 'hold',
      label: '挂起',
      when: 'OR(status = "new", status = "qc", status = "passed")',
      set: { status: 'held', status_before_hold: '=status' },
      bulk: true,
    },
    {
      key: 'release',
      label: '取消挂起',
      when: 'status = "held"',
      set: { status: '=IF(ISBLANK(status_before_hold), "new", status_before_hold)', status_before_hold: null },
    },
    {
      key: 'fast_track',
      label: '免检出库',
      when: 'status = "new"',
      set: { status: 'passed', inspected_by: '免检' },
    },
    {
      key: 'cancel',
      label: '取消',
      when: 'AND(status <> "cancelled", status <> "shipped")',
      // a held parcel is released first (its own action), then its stock goes back
      steps: [{ when: 'status = "held"', run: 'release' }, { reverse: 'take' }, { set: { status: 'cancelled', note: '="已取消：" & params.why' } }],
      params: [{ key: 'why', type: 'text', label: '原因' }],
      requires: [{ check: 'NOT(ISBLANK(params.why))', message: { 'zh-CN': '请填写取消原因', en: 'Say why the parcel is cancelled' } }],
    },
  ]
  if (withQc) {
    actions.unshift(
      { key: 'send_qc', label: '送检', when: 'status = "new"', set: { status: 'qc' } },
      {
        key: 'qc_pass',
        label: { 'zh-CN': '质检通过', en: 'Pass QC' },
        when: 'status = "qc"',
        params: [
          { key: 'inspector', type: 'text', label: '质检员', required: true },
          { key: 'rating', type: 'number', label: '评分', required: true },
        ],
        requires: [{ check: 'params.rating >= 3', message: { 'zh-CN': '评分低于 3 分，不能通过质检', en: 'A rating below 3 does not pass' } }],
        set: { status: 'passed', inspected_by: '=params.inspector', score: '=params.rating * 20' },
        steps: [{ post: 'take' }],
      },
      { key: 'recheck', label: '重新质检', when: 'status = "passed"', steps: [{ reverse: 'take' }, { set: { status: 'qc' } }] },
    )
  }
  // a declared action may run a handled one: here a document's built-in submit
  const receipts = pack.forms.find((f: any) => f.key === 'receipts')
  receipts.actions = [
    {
      key: 'receive_now',
      label: '直接入库',
      when: 'doc_status = "draft"',
      requires: [{ check: 'SUM(lines.qty) > 0', message: { 'zh-CN': '没有要入库的数量', en: 'Nothing to receive' } }],
      steps: [{ run: 'submit' }],
    },
  ]
  pack.forms.push({
    key: 'parcels',
    label: '包裹',
    title_field: 'no',
    editable_when: withQc ? 'OR(status = "new", status = "qc")' : 'status = "new"',
    locked_message: { 'zh-CN': '包裹已出库，请用上方的操作修改', en: 'The parcel left the shelf; change it with its actions' },
    fields: [
      { key: 'no', type: 'auto_number', label: '单号', pattern: 'BG{0000}' },
      {
        key: 'status',
        type: 'select',
        label: '状态',
        default: 'new',
        readonly: true,
        options: [
          status('new', '新建'),
          ...(withQc ? [status('qc', '待质检')] : []),
          status('passed', '已出库'),
          status('held', '挂起'),
          status('cancelled', '已取消'),
        ],
      },
      { key: 'status_before_hold', type: 'text', label: '挂起前状态', hidden: true, readonly: true },
      { key: 'depot', type: 'link', label: '仓库', form: 'depots', required: true },
      { key: 'note', type: 'text', label: '备注' },
      { key: 'inspected_by', type: 'text', label: '质检员', readonly: true },
      { key: 'score', type: 'number', label: '得分', readonly: true },
      {
        key: 'lines',
        type: 'sub_form',
        label: '明细',
        fields: [
          { key: 'item', type: 'link', label: '货品', form: 'goods', required: true },
          { key: 'qty', type: 'number', label: '数量', scale: 0 },
        ],
      },
    ],
    postings: [
      {
        name: 'take',
        ledger: 'moves',
        // posted by fast_track (its `on`) and by qc_pass's step; given back by recheck's and cancel's steps
        on: 'fast_track',
        for_each: 'lines',
        values: { item: 'item', depot: 'parent.depot', qty: '-qty', amount: 'IF(qty >= balance.on_hand, -balance.amount, -ROUND(qty * balance.amount / balance.on_hand, 2))' },
      },
    ],
    actions,
  })
  return pack
}
