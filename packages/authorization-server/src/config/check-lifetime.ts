import { AuthorizationServerError } from '../errors.ts'
import { AS_DEFAULTS } from './defaults.ts'

/**
 * An access-token lifetime in whole seconds, at least one and at most
 * `AS_DEFAULTS.maxAccessTokenSeconds`: a longer one would outlive the revocation cut-offs kept for
 * that long, and a revoked token could then be accepted again. Returns the value.
 */
export function checkAccessTokenSeconds(seconds: number, name: string): number {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > AS_DEFAULTS.maxAccessTokenSeconds) {
    throw new AuthorizationServerError(
      'ERR_AS_CONFIG',
      `${name} must be a whole number of seconds from 1 to ${String(AS_DEFAULTS.maxAccessTokenSeconds)}`,
    )
  }
  return seconds
}
