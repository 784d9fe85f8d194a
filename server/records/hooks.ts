import type { WriteEvent } from './types'

type Hook = (event: WriteEvent) => Promise<void> | void

/**
 * Extension points of the records service. `beforeCommit` hooks run inside the write's
 * transaction (document rules post ledgers there; throwing aborts the whole write); `afterCommit`
 * hooks run once it is durable (sync triggers, notifications).
 */
export class HookRegistry {
  private readonly hooks = { beforeCommit: new Map<string, Hook[]>(), afterCommit: new Map<string, Hook[]>() }

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
