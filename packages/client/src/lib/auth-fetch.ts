import type { FetchLike } from '@modelcontextprotocol/client'
import { computeScopeUnion, withDpopFromProvider } from '@modelcontextprotocol/client'

import type { AuthSession } from './auth-session.ts'
import { authorizeOnce } from './authorize-once.ts'
import { readChallenge } from './read-challenge.ts'
import type { Challenge } from './read-challenge.ts'

/** Per request: whether it already triggered an authorization, and how many step-ups it made. */
interface Attempt {
  authorizedOnce: boolean
  stepUps: number
}

/**
 * The fetch a host hands its MCP transport. Each request waits for a run in flight, refreshes a
 * token about to expire, and is sent; a 401 starts one authorization, a 403 `insufficient_scope`
 * or RFC 9470 `insufficient_user_authentication` one bounded step-up; then it is sent again.
 */
export function createAuthFetch(session: AuthSession): FetchLike {
  const send = sendWithToken(session)
  return async (input, init) => {
    if (session.inFlight !== undefined) await session.inFlight.catch(() => undefined)
    await refreshIfStale(session)
    const attempt: Attempt = { authorizedOnce: false, stepUps: 0 }
    for (;;) {
      const response = await send(input, init)
      if (response.status !== 401 && response.status !== 403) return response
      const challenge = readChallenge(response)
      const retry = isStepUp(challenge)
        ? await stepUp(session, attempt, challenge, response)
        : await authorizeOnRefusal(session, attempt, challenge, response)
      if (!retry) return response
    }
  }
}

function sendWithToken(session: AuthSession): FetchLike {
  // DPoP sits innermost so every retry gets a fresh proof and nonces are observed (RFC 9449 §8).
  const inner = withDpopFromProvider(session.provider)(session.config.fetch)
  return async (input, init) => {
    const headers = new Headers(init?.headers)
    const tokens = await session.provider.tokens()
    if (tokens !== undefined && tokens.token_type.toLowerCase() !== 'dpop') {
      headers.set('Authorization', `Bearer ${tokens.access_token}`)
    }
    return inner(input, { ...init, headers })
  }
}

async function refreshIfStale(session: AuthSession): Promise<void> {
  const left = await session.provider.secondsLeft()
  if (left?.seconds === undefined || left.seconds > session.config.refreshSkewSeconds) return
  if (!left.refreshable) return
  session.emit({ type: 'refreshing' })
  await authorizeOnce(session, { reason: 'reauthorize' })
}

function isStepUp(challenge: Challenge): boolean {
  return (
    challenge.error === 'insufficient_scope' ||
    challenge.error === 'insufficient_user_authentication'
  )
}

/** A 401 without a step-up error: authorize once per request; a 403 is the server's answer. */
async function authorizeOnRefusal(
  session: AuthSession,
  attempt: Attempt,
  challenge: Challenge,
  response: Response,
): Promise<boolean> {
  if (response.status === 403 || attempt.authorizedOnce) return false
  attempt.authorizedOnce = true
  await response.body?.cancel()
  // A token we held was refused: rediscover, in case the server moved to another AS
  // (credentials stay keyed by issuer, so a new AS means a new registration).
  const { provider } = session
  if ((await provider.tokens()) !== undefined) await provider.invalidateCredentials('discovery')
  session.logger.info('authorization required', { status: response.status })
  await authorizeOnce(session, {
    reason: 'initial',
    scope: challenge.scope,
    resourceMetadataUrl: challenge.resourceMetadataUrl,
  })
  return true
}

/**
 * Step-up: the union of what we hold and what the server asks for (MCP "Scope Challenge
 * Handling"), in a fresh authorization request, never a refresh (RFC 6749 §6 cannot widen a
 * grant); at most `maxStepUps` per request and each distinct challenge once per session.
 */
async function stepUp(
  session: AuthSession,
  attempt: Attempt,
  challenge: Challenge,
  response: Response,
): Promise<boolean> {
  const union = await stepUpScope(session, challenge)
  const key = `${challenge.error ?? ''}|${union ?? ''}|${challenge.acrValues ?? ''}|${challenge.maxAge ?? ''}`
  if (attempt.stepUps >= session.config.maxStepUps || session.attemptedUnions.has(key)) {
    const reason = `step-up limit reached (${challenge.error ?? 'forbidden'})`
    session.emit({ type: 'gave-up', reason })
    return false
  }
  attempt.stepUps++
  session.attemptedUnions.add(key)
  await response.body?.cancel()
  session.emit({ type: 'step-up', error: challenge.error ?? '', scope: union })
  if (challenge.error === 'insufficient_user_authentication') {
    session.provider.requireAuthentication({
      ...(challenge.acrValues === undefined ? {} : { acr_values: challenge.acrValues }),
      ...(challenge.maxAge === undefined ? {} : { max_age: challenge.maxAge }),
    })
  }
  await authorizeOnce(session, {
    reason: challenge.error === 'insufficient_scope' ? 'step-up-scope' : 'step-up-authentication',
    scope: union,
    resourceMetadataUrl: challenge.resourceMetadataUrl,
    force: true,
  })
  return true
}

async function stepUpScope(
  session: AuthSession,
  challenge: Challenge,
): Promise<string | undefined> {
  const { provider } = session
  const held = (await provider.tokens())?.scope ?? session.requestedScope
  // `acr_values`/`max_age` are OpenID Connect request parameters (RFC 9470 §4); an OpenID
  // provider honours them only in an `openid` request.
  const oidc =
    challenge.error === 'insufficient_user_authentication' &&
    (await provider.discoveryState())?.authorizationServerMetadata?.scopes_supported?.includes(
      'openid',
    ) === true
  return computeScopeUnion(held, challenge.scope, oidc ? 'openid' : undefined)
}
