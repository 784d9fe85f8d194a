import { describe, expect, it } from 'vitest'
import { applyOverlay, diffDefinition, rebaseConflicts, resolveConflicts } from '../../schema/overlay/overlay'

const pack = {
  key: 'orders',
  label: { 'zh-CN': '订单', en: 'Orders' },
  fields: [
    { key: 'no', type: 'text', label: '单号' },
    { key: 'qty', type: 'number', label: '数量' },
    { key: 'status', type: 'select', label: '状态', options: [{ value: 'a', label: 'A' }, { value: 'b', label: 'B' }] },
  ],
  layout: { sections: [{ fields: ['no', 'qty'] }] },
}

describe('form overlays', () => {
  it('records only what the merchant changed and gives back their form', () => {
    const mine = structuredClone(pack) as any
    mine.fields[1].label = '件数'
    mine.fields.push({ key: 'gift_note', type: 'text', label: '赠品备注', required: true })
    mine.fields[2].options.push({ value: 'c', label: 'C', color: '#f00' })
    const overlay = diffDefinition(pack, mine)!
    expect(JSON.stringify(overlay)).not.toContain('单号')
    expect(applyOverlay(pack, overlay)).toEqual(mine)
    expect(diffDefinition(pack, pack)).toBeUndefined()
  })

  it('lays the merchant changes over a newer pack, keeping both new fields and the merchant order', () => {
    const mine = structuredClone(pack) as any
    mine.fields = [mine.fields[2], mine.fields[0], { key: 'gift_note', type: 'text', label: '赠品' }, mine.fields[1]]
    const overlay = diffDefinition(pack, mine)!
    const next = structuredClone(pack) as any
    next.fields.splice(1, 0, { key: 'weight', type: 'number', label: '重量' })
    next.label = { 'zh-CN': '销售订单', en: 'Sales orders' }
    const result = applyOverlay(next, overlay) as any
    expect(result.fields.map((f: any) => f.key)).toEqual(['status', 'no', 'weight', 'gift_note', 'qty'])
    expect(result.label['zh-CN']).toBe('销售订单')
    expect(rebaseConflicts(pack, next, overlay)).toEqual([])
  })

  it('names conflicts: a key the pack now also defines, the same property changed by both, a hidden field made required', () => {
    const mine = structuredClone(pack) as any
    mine.fields.push({ key: 'weight', type: 'text', label: '我的重量' })
    mine.fields[0].label = '订单号'
    mine.fields[1].hidden = true
    const overlay = diffDefinition(pack, mine)!
    const next = structuredClone(pack) as any
    next.fields.push({ key: 'weight', type: 'number', label: '重量' })
    next.fields[0].label = '编号'
    next.fields[1].required = true
    const conflicts = rebaseConflicts(pack, next, overlay)
    expect(conflicts.map((c) => [c.code, c.path]).sort()).toEqual([
      ['both_changed', 'fields[no].label'],
      ['hidden_now_required', 'fields[qty]'],
      ['key_taken', 'fields[weight]'],
    ])
    const keepMine = resolveConflicts(pack, overlay, conflicts, { 'fields[no].label': 'mine', 'fields[weight]': 'mine', 'fields[qty]': 'mine' })
    const kept = applyOverlay(next, keepMine) as any
    expect(kept.fields.find((f: any) => f.key === 'weight')).toEqual({ key: 'weight', type: 'text', label: '我的重量' })
    expect(kept.fields[0].label).toBe('订单号')
    expect(kept.fields[1]).toMatchObject({ hidden: true, required: false })
    const takePack = resolveConflicts(pack, overlay, conflicts, { 'fields[no].label': 'pack', 'fields[weight]': 'pack', 'fields[qty]': 'pack' })
    const taken = applyOverlay(next, takePack) as any
    expect(taken.fields.find((f: any) => f.key === 'weight').type).toBe('number')
    expect(taken.fields[0].label).toBe('编号')
    expect(taken.fields[1].hidden).toBeUndefined()
    expect(rebaseConflicts(next, next, takePack)).toEqual([])
  })

  it('reports a changed field the pack removed, and keeps it when the merchant says so', () => {
    const mine = structuredClone(pack) as any
    mine.fields[1].label = '件数'
    const overlay = diffDefinition(pack, mine)!
    const next = structuredClone(pack) as any
    next.fields.splice(1, 1)
    const conflicts = rebaseConflicts(pack, next, overlay)
    expect(conflicts).toEqual([{ path: 'fields[qty]', code: 'removed_by_pack', params: { key: 'qty' } }])
    const kept = applyOverlay(next, resolveConflicts(pack, overlay, conflicts, { 'fields[qty]': 'mine' })) as any
    expect(kept.fields.find((f: any) => f.key === 'qty').label).toBe('件数')
  })

  it('merges a keyed list the pack did not have: the merchant’s first view and the pack’s later one both stay', () => {
    const mine = { ...structuredClone(pack), views: [{ key: 'mine', label: '我的' }] }
    const overlay = diffDefinition(pack, mine)!
    expect(applyOverlay(pack, overlay)).toEqual(mine)
    const next = { ...structuredClone(pack), views: [{ key: 'packs', label: '包的' }] }
    expect(rebaseConflicts(pack, next, overlay)).toEqual([])
    expect(applyOverlay(next, overlay).views.map((v) => v.key)).toEqual(['packs', 'mine'])
    const emptyBefore = { ...structuredClone(pack), views: [] as { key: string; label: string }[] }
    expect(rebaseConflicts(emptyBefore, next, diffDefinition(emptyBefore, mine))).toEqual([])
    // The pack adding a view with the merchant's key is a conflict, not a silent replacement.
    expect(rebaseConflicts(pack, { ...next, views: [{ key: 'mine', label: '包的' }] }, overlay)).toMatchObject([{ path: 'views[mine]', code: 'key_taken' }])
  })
})
