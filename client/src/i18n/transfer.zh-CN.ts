/** Excel/CSV export and import (client/src/components/transfer) */
export default {
  export: {
    button: '导出',
    xlsx: 'Excel (.xlsx)',
    csv: 'CSV (UTF-8)',
    csvGbk: 'CSV (GBK，旧版 Excel/WPS)',
    hint: '按当前的列、筛选和排序导出',
    done: '已导出 {name}',
  },
}
