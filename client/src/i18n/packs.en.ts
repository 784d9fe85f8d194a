/** Template packs and upgrades that wait for the merchant. */
export default {
  title: 'Packs and upgrades',
  menu: 'Packs and upgrades',
  forms: '{n} forms',
  pending: 'upgrade to {version} waiting',
  pendingHelp: 'Version {version} conflicts with your changes in {n} places and has not been applied; the current version stays in use. Choose for each, then apply.',
  what: 'Conflict',
  mine: 'Mine',
  theirs: "The pack's",
  choice: 'Resolve',
  keepMine: 'Keep mine',
  takePack: "Take the pack's",
  apply: 'Apply the upgrade to {version}',
  upgraded: 'Upgraded to {version}',
  conflict: {
    key_taken: '{form}: the pack now defines "{key}", which you also added',
    both_changed: '{form}: you and the pack both changed {path}',
    removed_by_pack: '{form}: the pack removed {path}, which you changed',
    hidden_now_required: '{form}: you hid "{key}", which the pack now makes required',
    overlay_invalid: '{form}: your changes no longer fit the new version ({path})',
    form_key_taken: '{form}: the pack has a new form with the key of one of your own forms',
  },
}
