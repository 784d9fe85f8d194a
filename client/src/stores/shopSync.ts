import { defineStore } from 'pinia'
import { reactive } from 'vue'
import { shopsApi, type SyncRun, type SyncSummary } from '@/api/shops'
import { showError } from '@/composables/errors'

export const POLL_MS = 1000

/** What the client knows of one shop's syncing: the log, and the run it started, if any. */
export interface ShopSyncState {
  /** a sync this client asked for is running (the request is open) */
  requesting: boolean
  /** the sync log, newest first (null until read) */
  runs: SyncRun[] | null
  /** the summary of the last sync started here */
  summary: SyncSummary | null
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Sync now, with progress: `POST …/sync` answers only when the run is over, so meanwhile the log
 * is polled and its `running` row gives the progress bar. Kept in a store so the list and the
 * shop page show the same run, and a run started on one is still followed on the other. A run
 * started elsewhere (the scheduler, another tab) is followed while some page watches the shop.
 */
export const useShopSyncStore = defineStore('shopSync', () => {
  const shops = reactive<Record<number, ShopSyncState>>({})
  const watchers = new Map<number, number>()
  const following = new Set<number>()

  function state(id: number): ShopSyncState {
    shops[id] ??= { requesting: false, runs: null, summary: null }
    return shops[id]
  }

  /** The run in progress (from the log), if any. */
  function currentRun(id: number): SyncRun | null {
    return state(id).runs?.find((r) => r.status === 'running') ?? null
  }

  function isRunning(id: number): boolean {
    return state(id).requesting || currentRun(id) !== null
  }

  async function refresh(id: number): Promise<SyncRun[]> {
    const runs = await shopsApi.runs(id)
    state(id).runs = runs
    if (runs.some((r) => r.status === 'running')) void follow(id)
    return runs
  }

  /** Polls the log while a run is going and someone is looking (or this client asked for it). */
  async function follow(id: number): Promise<void> {
    if (following.has(id)) return
    following.add(id)
    try {
      while (state(id).requesting || ((watchers.get(id) ?? 0) > 0 && currentRun(id))) {
        await sleep(POLL_MS)
        state(id).runs = await shopsApi.runs(id).catch(() => state(id).runs)
      }
    } finally {
      following.delete(id)
    }
  }

  /** Starts a sync now; resolves with its summary (null if the request failed, which is shown). */
  async function start(id: number, full = false): Promise<SyncSummary | null> {
    const s = state(id)
    if (s.requesting) return null
    s.requesting = true
    s.summary = null
    const request = shopsApi.sync(id, full)
    void follow(id)
    try {
      s.summary = await request
      return s.summary
    } catch (error) {
      showError(error)
      return null
    } finally {
      s.requesting = false
      await refresh(id).catch(() => undefined)
    }
  }

  /** A page shows this shop: keep its log fresh while a run goes on. Returns the stop function. */
  function watch(id: number): () => void {
    watchers.set(id, (watchers.get(id) ?? 0) + 1)
    void refresh(id).catch(showError)
    return () => watchers.set(id, Math.max(0, (watchers.get(id) ?? 1) - 1))
  }

  return { shops, state, currentRun, isRunning, refresh, start, watch }
})
