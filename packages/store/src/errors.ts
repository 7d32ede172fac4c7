import { MandateError } from '@mandate/core'

/** Stable codes of store failures (`ERR_STORE_<WHAT>`), for callers that react to one of them. */
export type StoreErrorCode =
  | 'ERR_STORE_UNREACHABLE'
  | 'ERR_STORE_LOCK_TIMEOUT'
  | 'ERR_STORE_LOCK_LOST'
  | 'ERR_STORE_MIGRATION_FAILED'
  | 'ERR_STORE_CLOSED'

/**
 * A store failure with a stable `code` (database unreachable, lock not obtained or lost, migration
 * failed, store closed).
 */
export class StoreError extends MandateError<StoreErrorCode> {}
