import { MandateError } from '@mandate/core'

/** The stable codes of {@link LinkingError}. */
export type LinkingErrorCode =
  | 'ERR_LINKING_NOT_FOUND'
  | 'ERR_LINKING_EXPIRED'
  | 'ERR_LINKING_WRONG_USER'
  | 'ERR_LINKING_USED'
  | 'ERR_LINKING_CONFIG'
  | 'ERR_LINKING_UNDECLARED_ACCESS'

/** Errors of the account-linking flow. Messages never contain link ids, tokens or keys. */
export class LinkingError extends MandateError<LinkingErrorCode> {}
