import { defineStore } from 'pinia'
import { ref } from 'vue'
import { approvalsApi, type ApprovalCounts } from '@/api/approvals'

const POLL_MS = 60_000

/** The 待办 counts in the menu: read on start, after every decision, and once a minute. */
export const useApprovalsStore = defineStore('approvals', () => {
  const counts = ref<ApprovalCounts>({ waiting: 0, unread: 0 })
  let timer: ReturnType<typeof setInterval> | null = null

  async function refresh(): Promise<void> {
    counts.value = await approvalsApi.counts().catch(() => counts.value)
  }

  function start(): void {
    void refresh()
    timer ??= setInterval(() => void refresh(), POLL_MS)
  }

  function stop(): void {
    if (timer) clearInterval(timer)
    timer = null
    counts.value = { waiting: 0, unread: 0 }
  }

  return { counts, refresh, start, stop }
})
