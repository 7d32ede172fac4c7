import { validateAuthorizationResponseIssuer } from '@modelcontextprotocol/client'

import type { AuthorizationReason } from '../auth/authorizer.ts'
import { AuthorizationError, ClientError } from '../errors.ts'
import type { AuthorizationRun, AuthSession } from './auth-session.ts'
import { callAuth } from './call-auth.ts'
import type { RunAuthOptions } from './call-auth.ts'

interface PendingAuthorization {
  url: URL
  state: string
}

/**
 * One authorization run, as named steps: discovery and `auth()` (which may succeed at once with
 * a stored or refreshed token); otherwise the authorization request it prepared goes to the
 * host's authorizer, the response is checked (`state`, then `iss`, then `error`, then `code`) and
 * the code is exchanged.
 */
export async function runAuthorization(session: AuthSession, run: AuthorizationRun): Promise<void> {
  session.emit({ type: 'discovering', serverUrl: session.config.serverUrl })
  const result = await callAuth(session, authOptionsFor(run))
  if (result === 'AUTHORIZED') return reportAuthorized(session)
  const pending = takePendingAuthorization(session)
  const params = await askAuthorizer(session, pending, run.reason)
  checkState(params, pending.state)
  const iss = await checkIssuer(session, params)
  const code = authorizationCode(params)
  session.emit({ type: 'exchanging-code' })
  await callAuth(session, { authorizationCode: code, ...(iss === undefined ? {} : { iss }) })
  return reportAuthorized(session)
}

function authOptionsFor(run: AuthorizationRun): RunAuthOptions {
  return {
    ...(run.scope === undefined ? {} : { scope: run.scope }),
    ...(run.resourceMetadataUrl === undefined
      ? {}
      : { resourceMetadataUrl: run.resourceMetadataUrl }),
    ...(run.force === true ? { forceReauthorization: true } : {}),
  }
}

function takePendingAuthorization(session: AuthSession): PendingAuthorization {
  const pending = session.provider.takePendingAuthorization()
  if (pending === undefined)
    throw new ClientError('ERR_CLIENT_STATE_MISMATCH', 'no authorization request was prepared')
  session.requestedScope = pending.url.searchParams.get('scope') ?? undefined
  return pending
}

async function askAuthorizer(
  session: AuthSession,
  pending: PendingAuthorization,
  reason: AuthorizationReason,
): Promise<URLSearchParams> {
  const { config, requestedScope } = session
  session.emit({ type: 'authorization-required', reason, url: pending.url })
  session.emit({ type: 'waiting-for-browser', reason })
  return config.authorizer.authorize({
    url: pending.url,
    state: pending.state,
    reason,
    serverUrl: config.serverUrl,
    ...(requestedScope === undefined ? {} : { scope: requestedScope }),
  })
}

/** RFC 6749 §10.12: the response must belong to the request this flow made. */
function checkState(params: URLSearchParams, expected: string): void {
  if (params.get('state') !== expected) {
    throw new ClientError(
      'ERR_CLIENT_STATE_MISMATCH',
      'authorization response state does not match',
    )
  }
}

/** RFC 9207 §2.4: check `iss` before reading anything else from the response (mix-up defence). */
async function checkIssuer(
  session: AuthSession,
  params: URLSearchParams,
): Promise<string | undefined> {
  const metadata = (await session.provider.discoveryState())?.authorizationServerMetadata
  const iss = params.get('iss') ?? undefined
  try {
    validateAuthorizationResponseIssuer({
      iss,
      expectedIssuer: metadata?.issuer,
      issParameterSupported: metadata?.authorization_response_iss_parameter_supported === true,
    })
  } catch (error) {
    throw new ClientError(
      'ERR_CLIENT_ISSUER_MISMATCH',
      'authorization response issuer does not match',
      { cause: error },
    )
  }
  return iss
}

/** RFC 6749 §4.1.2: the code, or the authorization server's typed error. */
function authorizationCode(params: URLSearchParams): string {
  const error = params.get('error')
  if (error !== null) throw new AuthorizationError(error)
  const code = params.get('code')
  if (code === null)
    throw new ClientError('ERR_CLIENT_AUTHORIZATION_DENIED', 'authorization response has no code')
  return code
}

async function reportAuthorized(session: AuthSession): Promise<void> {
  const tokens = await session.provider.tokens()
  session.emit({
    type: 'authorized',
    issuer: tokens?.issuer,
    scope: tokens?.scope ?? session.requestedScope,
  })
}
