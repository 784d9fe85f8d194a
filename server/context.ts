import type { AccessPolicy } from './access/policy'
import type { RoleStore } from './access/roles'
import type { Approvals } from './approvals'
import type { Config } from './config'
import type { Database } from './db/connect'
import type { FileStore } from './files/store'
import type { SecretBox } from './lib/secrets'
import type { ShopConnections } from './sync/connections'
import type { StockUploader } from './sync/stock-upload'
import type { FormRegistry } from './forms/registry'
import type { HookRegistry } from './records/hooks'
import type { ActionRegistry, RecordsService } from './records/service'

/** The parts of a running Zhanggui, wired once at start-up and handed to routes and the CLI. */
export interface AppContext {
  config: Config
  db: Database
  registry: FormRegistry
  access: AccessPolicy
  /** the roles in effect (built-in admin, packs' roles, the merchant's) */
  roles: RoleStore
  hooks: HookRegistry
  actions: ActionRegistry
  /** the records service as the system actor; routes bind it to the request's user */
  records: RecordsService
  /** approval requests: the 待办 inbox, histories, decisions */
  approvals: Approvals
  files: FileStore
  secrets: SecretBox
  /** Taobao connections of shops, secrets sealed at rest */
  connections: ShopConnections
  /** uploads available stock to the shops (set up by the sync module) */
  stock?: StockUploader
}
