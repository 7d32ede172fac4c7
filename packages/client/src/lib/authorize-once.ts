import { AuthorizationError } from '../errors.ts'
import type { AuthorizationRun, AuthSession } from './auth-session.ts'
import { runAuthorization } from './run-authorization.ts'

/**
 * Runs an authorization unless one is already in flight, in which case the caller shares it:
 * parallel requests share one refresh, so rotated refresh tokens never race.
 */
export function authorizeOnce(session: AuthSession, run: AuthorizationRun): Promise<void> {
  session.inFlight ??= runWithReregistration(session, run).finally(() => {
    session.inFlight = undefined
  })
  return session.inFlight
}

// A dynamically registered client may be limited to the scope it registered with (RFC 7591
// §2); when a step-up is refused with invalid_scope, register again for the wider scope, once.
async function runWithReregistration(session: AuthSession, run: AuthorizationRun): Promise<void> {
  try {
    await runAuthorization(session, run)
  } catch (error) {
    if (!(error instanceof AuthorizationError) || error.error !== 'invalid_scope') throw error
    if (!(await registeredForNarrowerScope(session, run.scope))) throw error
    session.logger.info('re-registering client for a wider scope')
    await session.provider.invalidateCredentials('client')
    await runAuthorization(session, run)
  }
}

async function registeredForNarrowerScope(
  session: AuthSession,
  scope: string | undefined,
): Promise<boolean> {
  const registered = (await session.provider.clientInformation()) as { scope?: string } | undefined
  if (registered?.scope === undefined) return false
  const granted = new Set(registered.scope.split(' '))
  const wanted = (scope ?? '').split(' ').filter(Boolean)
  return !wanted.every((s) => granted.has(s))
}
