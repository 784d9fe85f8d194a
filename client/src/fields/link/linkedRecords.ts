import type { InjectionKey } from 'vue'
import type { RecordData } from '@/api/types'

/**
 * Records a link widget picked, offered to the form so copies and lookups can be filled in at
 * once (the picked product's price appears in the line before saving).
 */
export interface LinkedRecords {
  remember(targetForm: string, record: RecordData): void
  /** the record form's current values (a link to another record's lines picks among the lines of the record the form links to) */
  values?: Record<string, unknown>
}

export const LINKED_RECORDS: InjectionKey<LinkedRecords> = Symbol('linked-records')
