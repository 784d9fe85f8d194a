/** 模板与升级 (pack upgrades that wait for the merchant). */
export default {
  title: '模板与升级',
  menu: '模板与升级',
  forms: '{n} 个表单',
  pending: '升级到 {version} 待处理',
  pendingHelp: '新版本 {version} 与您的修改有 {n} 处冲突，尚未应用；系统仍在使用当前版本。请逐项选择后应用。',
  what: '冲突',
  mine: '我的',
  theirs: '模板的',
  choice: '处理方式',
  keepMine: '保留我的',
  takePack: '采用模板的',
  apply: '应用升级到 {version}',
  upgraded: '已升级到 {version}',
  conflict: {
    key_taken: '{form}：模板新增的「{key}」与您新增的字段同名',
    both_changed: '{form}：您和模板都修改了 {path}',
    removed_by_pack: '{form}：模板删除了您修改过的 {path}',
    hidden_now_required: '{form}：您隐藏的「{key}」在新版本中变为必填',
    overlay_invalid: '{form}：您的修改与新版本不兼容（{path}）',
    form_key_taken: '{form}：模板新增的表单与您自建的表单同名',
  },
}
