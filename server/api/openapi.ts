import type { FormModel, TableModel } from '../../schema/model/types'
import { localize } from '../../schema/lib/localized'
import type { FormRegistry } from '../forms/registry'
import { linesHidden, type Operation } from '../access/policy'

type Schema = Record<string, unknown>

const ERROR: Schema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string', description: 'the category: bad_request, not_found, validation_failed…' },
        reason: { type: 'string', description: 'the exact problem, a code of schema/messages/catalog.ts' },
        params: { type: 'object', description: "the reason's params" },
        message: { type: 'string', description: 'in English' },
        details: { description: 'for validation errors: [{field, code, params, message}]' },
      },
    },
  },
}

/** What the caller may use (the access policy's answers); everything when not given. */
export interface OpenApiAccess {
  allows(form: FormModel, operation: Operation): boolean
  hidden(form: FormModel): ReadonlySet<string>
  readonly(form: FormModel): ReadonlySet<string>
}

const NONE: ReadonlySet<string> = new Set()

function recordSchema(table: TableModel, writable: boolean, hidden: ReadonlySet<string> = NONE): Schema {
  const properties: Record<string, Schema> = {}
  for (const field of table.fields) {
    if (writable && field.computed && field.computed !== 'copy') continue
    if (hidden.has(field.key)) continue
    if (field.lines) {
      const line = recordSchema(field.lines, writable, linesHidden(hidden, field.key))
      ;(line.properties as Record<string, Schema>).id = { type: 'integer', description: writable ? 'send to update an existing line' : undefined }
      if (!writable) (line.properties as Record<string, Schema>).line_no = { type: 'integer' }
      properties[field.key] = { type: 'array', items: line, description: localize(field.def.label) }
      continue
    }
    properties[field.key] = { ...field.codec.openApi(field.value), description: localize(field.def.label), ...(field.computed ? { readOnly: true } : {}) }
  }
  if (!writable && !table.parent) {
    Object.assign(properties, {
      id: { type: 'integer' },
      version: { type: 'integer', description: 'send back on PATCH to detect concurrent edits (409)' },
      created_at: { type: 'string', format: 'date-time' },
      updated_at: { type: 'string', format: 'date-time' },
      created_by: { type: ['object', 'null'] },
      updated_by: { type: ['object', 'null'] },
      ...('document' in table && (table as FormModel).document ? { doc_status: { type: 'string', enum: ['draft', 'submitted', 'void'] } } : {}),
    })
  }
  const required = writable ? table.fields.filter((f) => f.def.required && !f.computed && !hidden.has(f.key)).map((f) => f.key) : []
  return { type: 'object', properties, ...(required.length ? { required } : {}) }
}

const json = (schema: Schema) => ({ content: { 'application/json': { schema } } })
const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [String(s), { description: { 400: 'bad request', 401: 'not logged in', 403: 'forbidden', 404: 'not found', 409: 'conflict', 422: 'validation failed' }[s], ...json({ $ref: '#/components/schemas/Error' }) }]))

/** OpenAPI 3.1 for the whole API, with each installed form's record schema. */
export function buildOpenApi(registry: FormRegistry, access?: OpenApiAccess): Schema {
  const schemas: Record<string, Schema> = { Error: ERROR }
  const paths: Record<string, Schema> = {
    '/api/auth/login': {
      post: {
        summary: 'Log in (sets a session cookie)',
        requestBody: json({ type: 'object', required: ['username', 'password'], properties: { username: { type: 'string' }, password: { type: 'string' } } }),
        responses: { 200: { description: 'the user' }, ...errors(400, 401) },
      },
    },
    '/api/auth/logout': { post: { summary: 'Log out', responses: { 204: { description: 'logged out' } } } },
    '/api/auth/me': { get: { summary: 'The current user', responses: { 200: { description: 'the user' }, ...errors(401) } } },
    '/api/forms': {
      get: { summary: 'Installed forms with their definitions', responses: { 200: { description: 'forms' } } },
      post: { summary: "Create a merchant's own form (designers)", requestBody: json({ type: 'object' }), responses: { 201: { description: 'the form' }, ...errors(400, 403, 409, 422) } },
    },
    '/api/forms/{form}': {
      parameters: [{ name: 'form', in: 'path', required: true, schema: { type: 'string' } }],
      get: { summary: "A form's effective definition (pack and the merchant's overlay)", responses: { 200: { description: 'the form' }, ...errors(404) } },
      put: {
        summary: "Save a whole form definition as the merchant's overlay; ?dry_run=true reports the impact on data only",
        parameters: [{ name: 'dry_run', in: 'query', schema: { type: 'boolean' } }],
        requestBody: json({ type: 'object' }),
        responses: { 200: { description: '{impact, form}' }, ...errors(400, 403, 404, 422) },
      },
      delete: {
        summary: "Retire a merchant's own form (data kept); ?purge=true&confirm=<key> drops it",
        responses: { 200: { description: '{purged}' }, ...errors(400, 403, 404, 409) },
      },
    },
    '/api/packs': {
      get: { summary: 'Installed packs and upgrades waiting for the merchant (admin)', responses: { 200: { description: 'packs' }, ...errors(403) } },
      post: { summary: 'Install or upgrade a pack: the pack, or {pack, dry_run, resolutions} (admin)', requestBody: json({ type: 'object' }), responses: { 200: { description: 'the plan or result' }, ...errors(403, 409, 422) } },
    },
    '/api/tokens': {
      post: { summary: 'Create an API token (admin); the token is in the response once', responses: { 201: { description: 'token' }, ...errors(400, 403) } },
      get: { summary: 'List API tokens (admin)', responses: { 200: { description: 'tokens' } } },
    },
    '/api/files': { post: { summary: 'Upload a file (multipart field "file"; ?form=<form key>)', responses: { 201: { description: 'file descriptor' } } } },
    // approvals (docs/rules.md#approvals)
    '/api/approvals': {
      get: {
        summary: 'The approvals of a record (?form=&record=), for readers of the record',
        parameters: [{ name: 'form', in: 'query', required: true, schema: { type: 'string' } }, { name: 'record', in: 'query', required: true, schema: { type: 'integer' } }],
        responses: { 200: { description: 'approvals' }, ...errors(400, 404) },
      },
    },
    '/api/approvals/inbox': { get: { summary: '待办: {waiting, cc, mine, counts}', responses: { 200: { description: 'the inbox' } } } },
    '/api/approvals/counts': { get: { summary: 'Counts for the menu: {waiting, unread}', responses: { 200: { description: 'counts' } } } },
    '/api/approvals/people': { get: { summary: 'Active users a step can be handed to', responses: { 200: { description: 'users' } } } },
    '/api/approvals/{id}': {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
      get: { summary: 'One approval (requester, approvers, cc, admins); marks it read', responses: { 200: { description: 'the approval' }, ...errors(404) } },
    },
    '/api/approvals/{id}/{decision}': {
      parameters: [
        { name: 'id', in: 'path', required: true, schema: { type: 'integer' } },
        { name: 'decision', in: 'path', required: true, schema: { type: 'string', enum: ['approve', 'reject', 'transfer', 'withdraw'] } },
      ],
      post: {
        summary: 'Decide: approve (the last step runs the action), reject {reason}, transfer {to}, withdraw (the requester)',
        requestBody: json({ type: 'object', properties: { reason: { type: 'string', maxLength: 500 }, to: { type: 'integer' } } }),
        responses: { 200: { description: '{data: the approval, result: what the action answered}' }, ...errors(400, 403, 404, 409, 422) },
      },
    },
  }
  for (const form of registry.list()) {
    if (access && !access.allows(form, 'read')) continue
    const name = form.key
    const may = (operation: Operation) => !access || access.allows(form, operation)
    const hidden = access?.hidden(form) ?? NONE
    const unwritable = access ? new Set([...hidden, ...access.readonly(form)]) : NONE
    schemas[`${name}`] = recordSchema(form, false, hidden)
    schemas[`${name}_input`] = recordSchema(form, true, unwritable)
    const ref = { $ref: `#/components/schemas/${name}` }
    const inputRef = { $ref: `#/components/schemas/${name}_input` }
    const tag = [`${localize(form.def.label)} (${name})`]
    const base = `/api/forms/${name}/records`
    paths[base] = {
      get: {
        tags: tag,
        summary: `List ${name}`,
        parameters: [
          { name: 'filter', in: 'query', schema: { type: 'string' }, description: 'JSON filter, see docs/filters.md' },
          { name: 'sort', in: 'query', schema: { type: 'string' }, description: 'e.g. -created_at,name' },
          { name: 'limit', in: 'query', schema: { type: 'integer', maximum: 500 } },
          { name: 'offset', in: 'query', schema: { type: 'integer' } },
          { name: 'cursor', in: 'query', schema: { type: 'string' } },
          { name: 'count', in: 'query', schema: { type: 'string', enum: ['exact', 'none'] }, description: 'none leaves total out' },
        ],
        responses: {
          200: json({ type: 'object', properties: { data: { type: 'array', items: ref }, next_cursor: { type: ['string', 'null'] }, total: { type: 'integer' }, total_is_estimate: { type: 'boolean' } } }),
          ...errors(400, 401, 403, 422),
        },
      },
      ...(may('create')
        ? {
            post: {
              tags: tag,
              summary: `Create one ${name} record, or several (an array) in one transaction`,
              requestBody: json({ oneOf: [inputRef, { type: 'array', items: inputRef }] }),
              responses: { 201: json({ type: 'object', properties: { data: ref } }), ...errors(400, 401, 403, 409, 422) },
            },
          }
        : {}),
    }
    const aggregate = {
      tags: tag,
      summary: `Group and measure ${name} in one SQL statement (docs/api.md#aggregates)`,
      requestBody: json(AGGREGATE_REQUEST),
      responses: { 200: json(AGGREGATE_RESPONSE), ...errors(400, 401, 403, 404, 422) },
    }
    paths[`${base}/aggregate`] = { post: aggregate }
    for (const field of form.fields.filter((f) => f.lines && !hidden.has(f.key))) {
      paths[`/api/forms/${name}.${field.key}/records/aggregate`] = { post: { ...aggregate, summary: `Group and measure the lines of ${name}.${field.key} (they may name parent.<field>)` } }
    }
    paths[`${base}/{id}`] = {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
      get: { tags: tag, summary: `Get a ${name} record`, responses: { 200: json({ type: 'object', properties: { data: ref } }), ...errors(401, 403, 404) } },
      ...(may('update')
        ? {
            patch: {
              tags: tag,
              summary: `Update a ${name} record (lines with an id are updated, without one inserted, omitted ones deleted)`,
              requestBody: json({ allOf: [inputRef, { type: 'object', properties: { version: { type: 'integer' } } }] }),
              responses: { 200: json({ type: 'object', properties: { data: ref } }), ...errors(400, 401, 403, 404, 409, 422) },
            },
          }
        : {}),
      ...(may('delete') ? { delete: { tags: tag, summary: `Delete a ${name} record`, responses: { 204: { description: 'deleted' }, ...errors(401, 403, 404, 409) } } } : {}),
    }
    const actions = form.actions.filter((a) => !a.client && may(`action:${a.key}`)).map((a) => a.key)
    if (actions.length) {
      paths[`${base}/{id}/actions/{action}`] = {
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'integer' } },
          { name: 'action', in: 'path', required: true, schema: { type: 'string', enum: actions } },
        ],
        post: { tags: tag, summary: 'Run an action of the record', responses: { 200: json({ type: 'object', properties: { data: ref } }), ...errors(401, 403, 404, 409, 422) } },
      }
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Zhanggui 掌柜 API', version: '1', description: 'Money is a decimal string at the field scale; datetimes are ISO 8601 (+08:00). Errors are {error: {code, message, details}}.' },
    components: {
      schemas,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, session: { type: 'apiKey', in: 'cookie', name: 'zg_session' } },
    },
    security: [{ bearer: [] }, { session: [] }],
    paths,
  }
}

const AGGREGATE_REQUEST = {
  type: 'object',
  required: ['measures'],
  properties: {
    filter: { type: 'object', description: 'the filter language, see docs/filters.md' },
    group_by: {
      type: 'array',
      maxItems: 6,
      items: {
        oneOf: [
          { type: 'string', description: 'a field key, "link.field", "address.province" or (lines) "parent.field"' },
          { type: 'object', required: ['field', 'by'], properties: { field: { type: 'string' }, by: { type: 'string', enum: ['day', 'week', 'month', 'quarter', 'year'] } } },
        ],
      },
    },
    measures: {
      type: 'array',
      minItems: 1,
      maxItems: 20,
      items: {
        type: 'object',
        required: ['fn', 'as'],
        properties: {
          fn: { type: 'string', enum: ['count', 'sum', 'avg', 'min', 'max', 'count_distinct'] },
          field: { type: 'string', description: 'optional for count' },
          as: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
        },
      },
    },
    having: { type: 'object', description: 'the filter language over group keys and measure names' },
    sort: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], description: 'group keys and measure names, "-" for descending' },
    limit: { type: 'integer', minimum: 1, maximum: 10000, default: 10000 },
    offset: { type: 'integer', minimum: 0, default: 0 },
  },
}

const AGGREGATE_RESPONSE = {
  type: 'object',
  properties: {
    data: { type: 'array', items: { type: 'object', description: 'each group key and each measure by its name' } },
    truncated: { type: 'boolean', description: 'more groups follow' },
  },
}
