import type { WorkingRecord } from '../../schema/model/compute'
import type { WriteEvent } from './types'

type Hook = (event: WriteEvent) => Promise<void> | void

/** What a prepare hook sees: the records about to be validated, which it may still change. */
export interface PrepareEvent {
  form: WriteEvent['form']
  action: 'create' | 'update'
  records: WorkingRecord[]
  trx: WriteEvent['trx']
  actor: WriteEvent['actor']
}
type PrepareHook = (event: PrepareEvent) => Promise<void> | void

/**
 * Extension points of the records service. `beforeCommit` hooks run inside the write's
 * transaction (document rules post ledgers there; throwing aborts the whole write); `afterCommit`
 * hooks run once it is durable (sync triggers, notifications).
 */
export class HookRegistry {
  private readonly hooks = { beforeCommit: new Map<string, Hook[]>(), afterCommit: new Map<string, Hook[]>() }
  private readonly prepareHooks = new Map<string, PrepareHook[]>()

  /** Runs before validation, inside the transaction: fill defaults from settings and the like. */
  onPrepare(form: string, hook: PrepareHook): void {
    this.prepareHooks.set(form, [...(this.prepareHooks.get(form) ?? []), hook])
  }

  async prepare(event: PrepareEvent): Promise<void> {
    for (const hook of this.prepareHooks.get(event.form.key) ?? []) await hook(event)
  }

  on(phase: 'beforeCommit' | 'afterCommit', form: string | '*', hook: Hook): () => void {
    const map = this.hooks[phase]
    map.set(form, [...(map.get(form) ?? []), hook])
    return () => map.set(form, (map.get(form) ?? []).filter((h) => h !== hook))
  }

  /** whether any hook listens to writes of `form` (the batch path skips loading records otherwise) */
  has(form: string): boolean {
    const listening = (map: Map<string, Hook[]>) => (map.get('*')?.length ?? 0) + (map.get(form)?.length ?? 0) > 0
    return listening(this.hooks.beforeCommit) || listening(this.hooks.afterCommit)
  }

  async run(phase: 'beforeCommit' | 'afterCommit', event: WriteEvent): Promise<void> {
    const map = this.hooks[phase]
    for (const hook of [...(map.get('*') ?? []), ...(map.get(event.form.key) ?? [])]) await hook(event)
  }
}
