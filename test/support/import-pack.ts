/** A small pack for the spreadsheet import tests: every kind of cell a merchant imports. */
export function importPack(): any {
  return {
    format: 'zhanggui.pack/1',
    key: 'imp',
    name: '导入测试',
    version: '1.0.0',
    forms: [
      { key: 'teams', label: { 'zh-CN': '小组', en: 'Teams' }, title_field: 'name', fields: [{ key: 'name', type: 'text', label: { 'zh-CN': '组名', en: 'Name' } }] },
      {
        key: 'contacts',
        label: { 'zh-CN': '客户', en: 'Contacts' },
        title_field: 'name',
        fields: [
          { key: 'code', type: 'text', label: { 'zh-CN': '编号', en: 'Code' }, unique: true },
          { key: 'name', type: 'text', label: { 'zh-CN': '姓名', en: 'Name' }, required: true },
          { key: 'joined', type: 'date', label: { 'zh-CN': '加入日期', en: 'Joined' } },
          { key: 'last_visit', type: 'datetime', label: { 'zh-CN': '最近到访', en: 'Last visit' } },
          { key: 'balance', type: 'money', label: { 'zh-CN': '余额', en: 'Balance' } },
          {
            key: 'level',
            type: 'select',
            label: { 'zh-CN': '等级', en: 'Level' },
            options: [
              { value: 'vip', label: { 'zh-CN': '贵宾', en: 'VIP' } },
              { value: 'normal', label: { 'zh-CN': '普通', en: 'Normal' } },
            ],
          },
          {
            key: 'tags',
            type: 'multi_select',
            label: { 'zh-CN': '标签', en: 'Tags' },
            options: ['a', 'b', 'c'].map((v) => ({ value: v, label: { 'zh-CN': `标签${v}`, en: `Tag ${v}` } })),
          },
          { key: 'active', type: 'checkbox', label: { 'zh-CN': '启用', en: 'Active' } },
          { key: 'team', type: 'link', label: { 'zh-CN': '小组', en: 'Team' }, form: 'teams' },
          { key: 'note', type: 'textarea', label: { 'zh-CN': '备注', en: 'Note' } },
        ],
      },
    ],
  }
}
