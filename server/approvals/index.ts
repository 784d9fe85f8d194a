import type { Database } from '../db/connect'
import type { FormRegistry } from '../forms/registry'
import type { RecordsService, RecordsServiceDeps } from '../records/service'
import { ApprovalDecisions } from './decisions'
import { ApprovalReads } from './reads'
import { ApprovalGate } from './requests'

export interface Approvals {
  decisions: ApprovalDecisions
  reads: ApprovalReads
}

/** Wires approvals into the records service (its action gate) and returns the services the API uses. */
export function setUpApprovals(deps: RecordsServiceDeps, records: RecordsService, registry: FormRegistry, db: Database): Approvals {
  deps.gate = new ApprovalGate(deps.clock)
  return { decisions: new ApprovalDecisions(db, records, deps.clock), reads: new ApprovalReads(db.knex, registry, records) }
}
