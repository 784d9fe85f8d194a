/**
 * Every message a user can see, by its stable code, with the names of its params. The server
 * sends `{code, params, message}` (message: English, for scripts and logs); the client words the
 * code in the user's language (client/src/i18n/messages.*.ts). To add a code: add it here, word it
 * in both client files, and pass it to `problem()` or `AppError.because()`. test/unit/messages.test.ts
 * fails on a code missing from this list or from either language.
 *
 * A param holding LocalizedText (`{zh-CN, en}`, a template's own words) is shown in the user's
 * language; every other param is shown as it is.
 */
export const MESSAGE_CATALOG = {
  // Categories: the top-level `code` of every error response (see docs/api.md)
  bad_request: [],
  unauthenticated: [],
  forbidden: [],
  not_found: [],
  conflict: [],
  too_large: [],
  validation_failed: [],
  invalid_template: [],
  too_many_attempts: [],
  internal: [],
  body_not_json: [],

  // Values as read from input (schema/values, schema/lib)
  must_be_text: [],
  not_a_number: ['value'],
  must_be_number: [],
  number_not_finite: [],
  number_out_of_range: [],
  number_too_large: [],
  too_many_decimals: ['max'],
  must_be_boolean: [],
  must_be_date: [],
  not_a_date: ['value'],
  must_be_datetime: [],
  not_a_datetime: ['value'],
  must_be_record_id: [],
  item_must_be_text: ['item'],
  item_must_be_record_id: ['item'],
  address_must_be_object: [],
  address_unknown_part: ['part'],
  address_part_must_be_text: ['part'],
  province_required_for_city: [],
  city_required_for_district: [],
  unknown_province: ['province'],
  unknown_city: ['city', 'province'],
  unknown_district: ['district', 'city'],
  lines_must_be_array: [],
  line_must_be_object: [],

  // Field rules (schema/fields/types)
  required: [],
  min: ['min'],
  max: ['max'],
  min_length: ['min'],
  max_length: ['max'],
  date_min: ['min'],
  date_max: ['max'],
  pattern_mismatch: ['pattern'],
  pattern_message: ['text'],
  barcode_ean13: [],
  barcode_ascii: [],
  not_an_option: ['value', 'options'],
  max_selected: ['max'],
  max_files: ['max'],
  min_lines: ['min'],
  max_lines: ['max'],
  province_required: [],
  street_required: [],

  // Records (schema/model, server/records)
  not_computable: ['reason'],
  rule: ['text'],
  record_must_be_object: [],
  unknown_field: ['field'],
  readonly: [],
  unknown_line: [],
  link_not_found: ['form', 'id'],
  user_not_found: ['id'],
  file_not_found: ['id'],
  unique_in_batch: ['field', 'row'],
  repeated_in_batch: [],
  unique: ['value', 'id'],
  unique_violation: [],
  record_not_found: ['form', 'id'],
  record_in_use: ['form', 'id', 'by', 'records'],
  line_in_use: ['form', 'id', 'by', 'records'],
  record_in_lines: ['form', 'id', 'by'],
  stale_version: ['form', 'id'],
  single_record_form: ['form'],
  not_a_draft: ['form', 'id', 'status'],
  not_submitted: ['form', 'id', 'status'],
  action_not_now: ['action', 'form', 'id'],
  action_not_bulk: ['action'],
  // Declared workflow (server/records/action-runner.ts): params, requires, editable_when
  param_required: ['action', 'param'],
  action_refused: ['text'],
  action_runs_collective: ['action'],
  record_locked: ['form', 'record', 'text'],
  record_locked_when: ['form', 'record', 'condition'],
  unknown_action: ['form', 'action'],
  system_written_form: ['form'],
  batch_empty: [],
  batch_too_large: ['max'],
  bad_version: [],
  bad_record_ids: ['max'],
  cannot_match_by: ['field'],

  // Stock postings and balance constraints (server/rules)
  balance: ['text'],
  already_posted: ['form', 'posting'],
  posting_value_empty: ['ledger', 'field'],
  posting_failed: ['posting', 'reason'],

  // Queries: filters, sorting, paging (server/query, schema/filter)
  invalid_filter: ['reason'],
  filter_not_json: [],
  bad_limit: ['max'],
  bad_offset: [],
  offset_and_cursor: [],
  bad_cursor: [],
  cursor_other_sort: [],
  bad_sort: [],
  too_many_sort_fields: ['max'],
  cannot_sort_by: ['field'],
  not_filterable: ['field'],
  unknown_form: ['form'],
  unknown_endpoint: [],

  // Sign-in, users and tokens (server/auth, server/api/auth.ts)
  login_required: [],
  wrong_password: [],
  login_locked: [],
  bad_login_request: [],
  invalid_token: [],
  admin_only: [],
  cross_site: [],
  bad_username: [],
  weak_password: ['reason'],
  bad_role: [],
  user_exists: ['username'],
  unknown_user: ['user'],

  // Shop-specific actions of the Taobao ERP pack (server/erp)
  choose_warehouse: [],
  merge_needs_two: [],
  merge_refused: ['order', 'target', 'reason'],
  split_lines_required: [],
  split_bad_line: ['line'],
  split_not_a_line: ['line', 'order'],
  split_bad_qty: ['line', 'max'],
  split_leaves_nothing: [],
  pick_list_one_warehouse: [],
  ship_needs_waybill: [],
  order_without_warehouse: ['order'],
  return_line_without_sku: ['line'],
  return_nothing: [],
  trade_gets_no_order: ['tid'],
  choose_purchase_order: [],
  purchase_order_not_submitted: ['order', 'status'],
  purchase_order_received: ['order'],

  // Shops, sync and imports (server/sync)
  shop_credentials_required: [],
  bad_platform: [],
  bad_schedule: ['choices'],
  bad_gateway_url: [],
  shop_not_connected: ['shop'],
  oauth_needs_user: [],
  oauth_link_invalid: [],
  oauth_expired: [],
  oauth_other_browser: [],
  oauth_user_disabled: [],
  oauth_other_account: ['expected', 'got'],
  sync_running: [],
  import_expired: [],
  import_needs_pack: [],
  import_bad_shop: [],
  import_orders_file: [],
  import_unexpected_file: ['field'],
  import_token_required: [],
  stock_rule_invalid: ['rule', 'reason'],
  stock_rule_duplicate: ['rule'],
  stock_rules_required: [],

  // Pack templates (admins installing packs)
  template_problem: ['path', 'detail'],

  // The form designer and pack upgrades (server/forms)
  design_not_allowed: [],
  form_definition_expected: [],
  form_exists: ['key'],
  form_key_retired: ['key'],
  form_of_pack: ['form', 'pack'],
  form_linked: ['form', 'links'],
  purge_needs_confirm: ['form'],
  pack_upgrade_conflicts: ['pack', 'version', 'count'],
  pack_downgrade: ['pack', 'installed', 'offered'],
  no_pending_upgrade: ['pack'],
  bad_resolutions: [],
} as const satisfies Record<string, readonly string[]>

export type MessageCode = keyof typeof MESSAGE_CATALOG

export const MESSAGE_CODES = Object.keys(MESSAGE_CATALOG) as MessageCode[]

export function isMessageCode(code: unknown): code is MessageCode {
  return typeof code === 'string' && Object.hasOwn(MESSAGE_CATALOG, code)
}
