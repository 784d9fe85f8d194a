import path from 'node:path'
import { readPack } from '../../server/forms/pack-files'

const ROOT = path.resolve(import.meta.dirname, '../..')

/** The bundled starter pack (its screenshots read as data URIs), without its sample data (tests make their own). */
export function starterPack(): any {
  const pack = readPack(path.join(ROOT, 'templates/starter'))
  delete pack.sample_data
  return pack
}

/** A small pack standing in for a bundled one in the overlay tests: versions of it play its upgrades. */
export function shopPack(version: string, change: (fields: any[]) => void = () => {}): any {
  const fields: any[] = [
    { key: 'name', type: 'text', label: '名称', required: true },
    { key: 'qty', type: 'text', label: '数量' },
    { key: 'price', type: 'money', label: '单价' },
    { key: 'amount', type: 'formula', label: '金额', formula: 'price * 2', scale: 2 },
    { key: 'grade', type: 'select', label: '等级', options: [{ value: 'a', label: '甲' }, { value: 'b', label: '乙' }] },
    { key: 'note', type: 'text', label: '备注' },
  ]
  change(fields)
  return { format: 'zhanggui.pack/1', key: 'shop', name: '小店', version, forms: [{ key: 'goods', label: '商品', title_field: 'name', fields }] }
}

/** The bundled Taobao ERP pack as one object (forms read from their files), without sample data. */
export function taobaoErpPack(): any {
  const pack = readPack(path.join(ROOT, 'templates/taobao-erp'))
  delete pack.sample_data
  return pack
}
