/** Excel/CSV export and import (client/src/components/transfer) */
export default {
  export: {
    button: 'Export',
    xlsx: 'Excel (.xlsx)',
    csv: 'CSV (UTF-8)',
    csvGbk: 'CSV (GBK, older Excel/WPS)',
    hint: 'Exports the current columns, filters and sort',
    done: 'Exported {name}',
  },
}
