import type { Knex } from 'knex'
import type { RetiredField } from './migrate-form'
import { compileForms } from '../../schema/model/compile'
import type { FieldModel, FormModel, TableModel } from '../../schema/model/types'
import { formatProblems } from '../../schema/validate/pack'
import type { FormDefinition } from '../../schema/template/form'
import type { Dialect } from '../db/dialects/types'
import { conflict, notFound } from '../lib/errors'
import { LookupGraph } from './lookup-graph'
import type { Patch } from '../../schema/overlay/overlay'

/** A link field somewhere that points at a given form (or sub-form). */
export interface IncomingLink {
  form: FormModel
  table: TableModel
  field: FieldModel
}

/** A rollup somewhere that aggregates rows of a given form or sub-form. */
export interface DependentRollup {
  /** the form holding the rollup */
  form: FormModel
  /** where the rollup field lives (the form, or one of its sub-forms) */
  table: TableModel
  field: FieldModel
  /** the link field, in the aggregated table, that points at `table` */
  link: string
}

interface InstalledForm {
  /** the effective definition: the pack's form with the merchant's overlay laid over it */
  def: FormDefinition
  /** the pack's definition (null for a merchant's own form) */
  base: FormDefinition | null
  overlay: Patch | null
  /** undefined for a merchant's own form */
  packKey: string | undefined
  position: number
  retired: RetiredField[]
}

/**
 * The installed forms, compiled. Loaded from zg_forms; rebuilt after an install. Also answers
 * "who links here" and "which rollups read this table", which writes and deletes need.
 */
export class FormRegistry {
  private forms = new Map<string, FormModel>()
  private installed = new Map<string, InstalledForm>()
  private incoming = new Map<string, IncomingLink[]>()
  private rollups = new Map<string, DependentRollup[]>()
  private lookupGraph = new LookupGraph([])
  private loadedVersion = -1

  constructor(private readonly knex: Knex) {}

  async load(): Promise<void> {
    // Read before the rows: a write landing in between then makes the next check refuse, not pass.
    const version = await this.storedVersion()
    const rows = await this.knex('zg_forms')
      .whereNull('retired_at')
      .select('key', 'pack_key', 'position', 'definition', 'base_definition', 'overlay', 'retired_fields')
      .orderBy(['position', 'key'])
    const installed = new Map<string, InstalledForm>()
    for (const row of rows) {
      installed.set(row.key, {
        def: JSON.parse(row.definition),
        base: row.base_definition ? JSON.parse(row.base_definition) : null,
        overlay: row.overlay ? JSON.parse(row.overlay) : null,
        packKey: row.pack_key || undefined,
        position: Number(row.position),
        retired: JSON.parse(row.retired_fields),
      })
    }
    const { forms, problems } = compileForms([...installed.values()].map((f) => ({ def: f.def, at: f.def.key })))
    if (problems.length) throw new Error(`installed forms do not compile:\n${formatProblems(problems)}`)
    this.installed = installed
    this.forms = forms
    this.indexRelations()
    this.loadedVersion = version
  }

  /** Reloads when another process (or the CLI) installed forms since we last looked. */
  async refreshIfChanged(): Promise<void> {
    if ((await this.storedVersion()) !== this.loadedVersion) await this.load()
  }

  private async storedVersion(): Promise<number> {
    const row = await this.knex('zg_settings').where({ key: 'forms_version' }).first('value')
    return row ? Number(row.value) : 0
  }

  static async bumpVersion(trx: Knex.Transaction): Promise<void> {
    // One atomic increment: two form writes at once (PostgreSQL) never both write the same number.
    const bumped = await trx('zg_settings')
      .where({ key: 'forms_version' })
      .update({ value: trx.raw('CAST(CAST(value AS BIGINT) + 1 AS TEXT)') })
    if (!bumped) await trx('zg_settings').insert({ key: 'forms_version', value: '1' })
  }

  /** The forms version this registry holds: a write planned from it checks it is still current. */
  get version(): number {
    return this.loadedVersion
  }

  /** Refuses (409) a write planned from forms another write changed since: its plan would drop that change. */
  static async assertVersion(trx: Knex.Transaction, dialect: Dialect, planned: number): Promise<void> {
    // PostgreSQL writers run side by side: form changes take turns here, each seeing the last one's version.
    await dialect.lockKey(trx, 'zg_forms')
    const row = await trx('zg_settings').where({ key: 'forms_version' }).first('value')
    if ((row ? Number(row.value) : 0) !== planned) {
      throw conflict('the forms were changed by another save meanwhile; reload them and try again').because('form_changed')
    }
  }

  get(key: string): FormModel | undefined {
    return this.forms.get(key)
  }

  require(key: string): FormModel {
    const form = this.forms.get(key)
    if (!form) throw notFound(`no form "${key}"`).because('unknown_form', { form: key })
    return form
  }

  /** Forms in menu order. */
  list(): FormModel[] {
    return [...this.installed.values()].map((f) => this.forms.get(f.def.key)!).filter(Boolean)
  }

  definitions(): FormDefinition[] {
    return [...this.installed.values()].map((f) => f.def)
  }

  packOf(key: string): string | undefined {
    return this.installed.get(key)?.packKey
  }

  /** The pack's own definition of a form, before the merchant's overlay (null: the merchant's own form). */
  baseOf(key: string): FormDefinition | null {
    return this.installed.get(key)?.base ?? null
  }

  overlayOf(key: string): Patch | null {
    return this.installed.get(key)?.overlay ?? null
  }

  retiredFields(key: string): RetiredField[] {
    return this.installed.get(key)?.retired ?? []
  }

  /** A form or a sub-form table by path ('quotes' or 'quotes.lines'). */
  table(path: string): TableModel | undefined {
    const [formKey, sub] = path.split('.')
    const form = this.forms.get(formKey)
    return sub ? form?.field(sub)?.lines : form
  }

  linksTo(path: string): IncomingLink[] {
    return this.incoming.get(path) ?? []
  }

  rollupsOver(path: string): DependentRollup[] {
    return this.rollups.get(path) ?? []
  }

  /** Which stored values read which linked fields through lookups (see LookupGraph). */
  get lookups(): LookupGraph {
    return this.lookupGraph
  }

  private indexRelations() {
    this.lookupGraph = new LookupGraph(this.forms.values())
    this.incoming = new Map()
    this.rollups = new Map()
    const add = <T>(map: Map<string, T[]>, key: string, value: T) => map.set(key, [...(map.get(key) ?? []), value])
    for (const form of this.forms.values()) {
      const tables: TableModel[] = [form, ...form.fields.flatMap((f) => (f.lines ? [f.lines] : []))]
      for (const table of tables) {
        for (const field of table.fields) {
          // Only stored links hold references; lookups that show a linked value have no column.
          const stored = field.storage.kind === 'column' || field.storage.kind === 'values'
          if (stored && (field.value.kind === 'link' || field.value.kind === 'link_list')) add(this.incoming, field.value.target!, { form, table, field })
          const source = field.def.source
          if (field.computed === 'rollup' && typeof source === 'object' && source !== null) {
            const s = source as { form: string; sub_form?: string; link: string }
            add(this.rollups, s.sub_form ? `${s.form}.${s.sub_form}` : s.form, { form, table, field, link: s.link })
          }
        }
      }
    }
  }
}
