import { MandateError } from '@mandate/core'

export type StoreErrorCode =
  | 'ERR_STORE_UNREACHABLE'
  | 'ERR_STORE_LOCK_TIMEOUT'
  | 'ERR_STORE_LOCK_LOST'
  | 'ERR_STORE_MIGRATION_FAILED'
  | 'ERR_STORE_CLOSED'

export class StoreError extends MandateError<StoreErrorCode> {}
