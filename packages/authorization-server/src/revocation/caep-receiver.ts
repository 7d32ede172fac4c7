import { Hono } from 'hono'
import type { HttpBindings } from '@hono/node-server'
import { createRemoteJWKSet, customFetch, errors, jwtVerify } from 'jose'
import type { JWTPayload, JWTVerifyGetKey } from 'jose'
import * as oauth from 'oauth4webapi'
import type { Logger } from '@mandate/core'
import { findUserIds } from '@mandate/store'
import type { Store } from '@mandate/store'
import { sha256Hex } from '../lib/hash.ts'
import { outboundFetch } from '../lib/outbound-fetch.ts'
import type { AuthorizationServerOptions, UpstreamIdpOptions } from '../options.ts'
import type { AuditEmit } from '../provider/provider-context.ts'
import { revokeUserAccess } from './announce-revocation.ts'

type Env = { Bindings: HttpBindings }

/** Where the upstream IdP pushes SETs (RFC 8935), relative to the issuer. */
export const SECURITY_EVENTS_PATH = '/oauth/security-events'
const CAEP = 'https://schemas.openid.net/secevent/caep/event-type/'
/** CAEP events that end the user's sessions and grants here. */
const REVOKING = new Set([`${CAEP}session-revoked`, `${CAEP}credential-change`])
/** Accepted SET age; the `jti` replay entry lives as long (plus skew). */
const MAX_AGE_S = 86_400
const SKEW_S = 300
const MAX_BODY = 65_536

/**
 * RFC 8935 push receiver for CAEP events (Shared Signals Framework) from the upstream OpenID
 * provider users sign in with. Each SET (RFC 8417) must be signed with a key of the upstream's
 * JWKS, `iss` = the upstream, `aud` = our issuer, `typ` = secevent+jwt, carry a `jti` never
 * seen before and one event; `session-revoked` and `credential-change` for a user linked to
 * that upstream subject revoke the user's grants, browser sessions and tokens everywhere.
 * Every verified SET is audited (`upstream.security_event`: the event, its `jti`, the user it
 * applied to). Answers 202, or 400 with RFC 8935 §2.3 `err` codes.
 */
export function securityEventRoutes(
  options: AuthorizationServerOptions & { upstream: UpstreamIdpOptions },
  store: Store,
  logger: Logger,
  emit: AuditEmit,
): Hono<Env> {
  const { upstream } = options
  const keys = upstreamKeys(options, upstream)
  const app = new Hono<Env>()
  const refuse = (err: string, description: string) =>
    Response.json({ err, description }, { status: 400 })
  app.post('/', async (c) => {
    const type = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase()
    if (type !== 'application/secevent+jwt') {
      return refuse('invalid_request', 'content type must be application/secevent+jwt')
    }
    const set = (await c.req.text()).trim()
    if (set.length > MAX_BODY) return refuse('invalid_request', 'SET too large')
    let payload: JWTPayload
    try {
      payload = (
        await jwtVerify(set, await keys(), {
          issuer: upstream.issuer,
          audience: options.issuer,
          typ: 'secevent+jwt',
          algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
          requiredClaims: ['jti', 'iat'],
          maxTokenAge: MAX_AGE_S,
          clockTolerance: SKEW_S,
        })
      ).payload
    } catch (error) {
      return refuse(...verificationError(error))
    }
    const events = payload['events'] as Record<string, unknown> | undefined
    const names = Object.keys(events ?? {})
    const name = names[0]
    if (names.length !== 1 || name === undefined) {
      return refuse('invalid_request', 'a SET must carry exactly one event')
    }
    const replayKey = `as:caep-jti:${sha256Hex(`${upstream.issuer} ${String(payload.jti)}`)}`
    if (!(await store.setIfAbsent(replayKey, (MAX_AGE_S + 2 * SKEW_S) * 1000))) {
      return refuse('invalid_request', 'SET already received (jti)')
    }
    const event = events?.[name] as { subject?: unknown } | undefined
    const user = REVOKING.has(name)
      ? await linkedUser(store, upstream.issuer, payload['sub_id'] ?? event?.subject)
      : undefined
    // Acknowledged either way (RFC 8935 §2.2): a 400 would tell which subjects exist here.
    if (user !== undefined) {
      await revokeUserAccess(store, { id: user }, 'upstream_signal')
      logger.info('upstream security event applied', { event: name.slice(CAEP.length) })
    }
    emit({
      type: 'upstream.security_event',
      outcome: user === undefined ? 'recorded' : 'success',
      actor: 'upstream',
      upstream: upstream.issuer,
      event: name.startsWith(CAEP) ? name.slice(CAEP.length) : name,
      set_jti: String(payload.jti),
      ...(user === undefined ? {} : { sub: user }),
      applied: user !== undefined,
    })
    return c.body(null, 202)
  })
  return app
}

/** The upstream's key set, found through its discovery document (SSRF-safe fetch). */
function upstreamKeys(
  options: AuthorizationServerOptions,
  upstream: UpstreamIdpOptions,
): () => Promise<JWTVerifyGetKey> {
  const dev = upstream.allowInsecure === true
  const send = outboundFetch(options, { allowAnyHost: dev, allowHttp: dev })
  let keys: Promise<JWTVerifyGetKey> | undefined
  return () => {
    keys ??= (async () => {
      const issuer = new URL(upstream.issuer)
      const metadata = await oauth.processDiscoveryResponse(
        issuer,
        await oauth.discoveryRequest(issuer, {
          algorithm: 'oidc',
          [oauth.customFetch]: (url: string, init: oauth.CustomFetchOptions<string, unknown>) =>
            send(url, init as RequestInit),
          // eslint-disable-next-line @typescript-eslint/no-deprecated -- opt-in, development and tests only
          ...(dev ? { [oauth.allowInsecureRequests]: true } : {}),
        }),
      )
      if (metadata.jwks_uri === undefined) throw new Error('upstream publishes no jwks_uri')
      return createRemoteJWKSet(new URL(metadata.jwks_uri), {
        [customFetch]: (url: string, init: RequestInit) => send(url, init),
      })
    })()
    keys.catch(() => (keys = undefined))
    return keys
  }
}

/** The local user linked to the SSF subject (`iss_sub` of our upstream, or its `email`). */
async function linkedUser(store: Store, issuer: string, subject: unknown) {
  if (typeof subject !== 'object' || subject === null) return undefined
  const s = subject as { format?: unknown; iss?: unknown; sub?: unknown; email?: unknown }
  let match: { upstreamSubject: string } | { email: string }
  if (s.format === 'iss_sub' && s.iss === issuer && typeof s.sub === 'string') {
    match = { upstreamSubject: s.sub }
  } else if (s.format === 'email' && typeof s.email === 'string') {
    match = { email: s.email.trim().toLowerCase() }
  } else {
    return undefined
  }
  const ids = await findUserIds(store, { upstreamIssuer: issuer, ...match }, 2)
  return ids.length === 1 ? ids[0] : undefined
}

function verificationError(error: unknown): [string, string] {
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return ['invalid_issuer', 'issuer not accepted']
    if (error.claim === 'aud') return ['invalid_audience', 'audience not accepted']
    return ['invalid_request', `claim ${error.claim} not accepted`]
  }
  if (
    error instanceof errors.JWSSignatureVerificationFailed ||
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JOSEAlgNotAllowed
  ) {
    return ['invalid_key', 'signature not verified with the issuer’s keys']
  }
  return ['invalid_request', 'not a valid SET']
}
