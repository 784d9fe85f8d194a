import { api } from '@/api/client'

/** The counter the next record of this auto-number field would get today (1 when unknown). */
export async function nextAutoNumber(form: string, field: string, pattern: string): Promise<number> {
  try {
    const query = new URLSearchParams({ field, pattern })
    const { data } = await api.get<{ data: { next: number } }>(`/api/designer/${encodeURIComponent(form)}/next-number?${query}`)
    return data.next
  } catch {
    return 1
  }
}
