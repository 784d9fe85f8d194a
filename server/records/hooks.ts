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
  private readonly hooks = { beforeCommit: new Map<string, Listener[]>(), afterCommit: new Map<string, Listener[]>() }
  private readonly prepareHooks = new Map<string, PrepareHook[]>()

  /** Runs before validation, inside the transaction: fill defaults from settings and the like. */
  onPrepare(form: string, hook: PrepareHook): void {
    this.prepareHooks.set(form, [...(this.prepareHooks.get(form) ?? []), hook])
  }

  /** whether prepare hooks may change records of `form` (an import's checked records are then prepared again when written) */
  hasPrepare(form: string): boolean {
    return (this.prepareHooks.get(form) ?? []).length > 0
  }

  async prepare(event: PrepareEvent): Promise<void> {
    for (const hook of this.prepareHooks.get(event.form.key) ?? []) await hook(event)
  }

  /**
   * Listens to writes of a form ('*': every form). `actions` narrows it to some actions
   * ('create', 'update', 'delete' or an action key), so batch writes of other kinds need not
   * load their records for it.
   */
  on(phase: 'beforeCommit' | 'afterCommit', form: string | '*', hook: Hook, options: { actions?: string[] } = {}): () => void {
    const map = this.hooks[phase]
    const listener: Listener = { hook, actions: options.actions ? new Set(options.actions) : null }
    map.set(form, [...(map.get(form) ?? []), listener])
    return () => map.set(form, (map.get(form) ?? []).filter((l) => l !== listener))
  }

  /** whether any hook listens to writes of `form` (of this action, if given): the batch path skips loading records otherwise */
  has(form: string, action?: string): boolean {
    const listening = (map: Map<string, Listener[]>) => [...(map.get('*') ?? []), ...(map.get(form) ?? [])].some((l) => !action || !l.actions || l.actions.has(action))
    return listening(this.hooks.beforeCommit) || listening(this.hooks.afterCommit)
  }

  async run(phase: 'beforeCommit' | 'afterCommit', event: WriteEvent): Promise<void> {
    const map = this.hooks[phase]
    for (const { hook, actions } of [...(map.get('*') ?? []), ...(map.get(event.form.key) ?? [])]) if (!actions || actions.has(event.action)) await hook(event)
  }
}

interface Listener {
  hook: Hook
  actions: Set<string> | null
}
