import { randomBytes } from 'node:crypto'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import type { JWTVerifyGetKey } from 'jose'
import {
  FEED_CHECKPOINT_SET_EVENT,
  REVOCATION_FEED_METADATA,
  REVOCATION_SET_EVENT,
  SECEVENT_JWT_TYPE,
  silentLogger,
} from '@mandate/core'
import type { Logger, RevocationEvent } from '@mandate/core'
import { discoverMetadata } from '../lib/discover-metadata.ts'
import { requireSecureUrl } from '../lib/urls.ts'
import type { RevocationFeed, RevocationSink } from './revocation-feed.ts'

/** Where a resource server reads an authorization server's signed revocation feed, and how. */
export interface HttpRevocationFeedOptions {
  /** The authorization server's issuer: every SET must carry it as `iss` (RFC 8417 §2.2). */
  issuer: string
  /** The feed; default the `mandate_revocation_feed_endpoint` of the issuer's metadata. */
  url?: string
  /** The key set the SETs are checked against; default the issuer's `jwks_uri`. */
  jwksUri?: string
  /** This resource server's credentials at the AS (one of its `introspectionClients`). */
  clientId: string
  clientSecret: string
  /** How long the AS may hold an empty answer (long poll), seconds, 0–10. Default 4. */
  waitSeconds?: number
  /** Pause after a failed read, ms. Default 500. */
  retryMs?: number
  /** HTTP timeout on top of the long poll, ms. Default 5000. */
  timeoutMs?: number
  logger?: Logger
}

class FeedError extends Error {
  readonly code = 'ERR_SERVER_REVOCATION_FEED'
}

interface FeedEndpoint {
  url: URL
  keys: JWTVerifyGetKey
}

/** Reads one page; returns the new cursor and whether the feed is caught up. */
type PageReader = (
  sink: RevocationSink,
  cursor: number,
  signal: AbortSignal,
) => Promise<{ cursor: number; caughtUp: boolean }>

/**
 * Revocations from the HTTP feed of an authorization server this resource server shares no
 * store with (docs/revocation.md): long-polls `GET …?after=<cursor>`, checks every SET's
 * signature (the AS's JWKS), `iss`, `aud` (our client_id) and `typ`, and the page's signed
 * checkpoint (cursor and our fresh nonce). Only a fully verified page is applied and marks the
 * listener current; a feed that stays unreachable or unverifiable beyond the listener's
 * `staleAfterMs` makes it refuse every token (fail closed).
 * @example
 * ```ts
 * createNodeHandler({
 *   ...options,
 *   revocationFeed: httpRevocationFeed({ issuer, clientId: 'notes-rs', clientSecret }),
 * })
 * ```
 */
export function httpRevocationFeed(options: HttpRevocationFeedOptions): RevocationFeed {
  requireSecureUrl('issuer', options.issuer)
  if (options.url !== undefined) requireSecureUrl('url', options.url)
  const read = pageReader(options)
  const logger = options.logger ?? silentLogger
  return {
    start(sink) {
      const stop = new AbortController()
      const stopped = (): boolean => stop.signal.aborted
      void (async () => {
        let cursor = 0
        while (!stopped()) {
          try {
            const result = await read(sink, cursor, stop.signal)
            cursor = result.cursor
            if (result.caughtUp) sink.synced()
          } catch (error) {
            if (stopped()) return
            logger.warn('revocation feed read failed', {
              error: error instanceof Error ? error.message : 'unknown',
            })
            await new Promise((resolve) => setTimeout(resolve, options.retryMs ?? 500).unref())
          }
        }
      })()
      return () => {
        stop.abort()
      }
    },
  }
}

function pageReader(options: HttpRevocationFeedOptions): PageReader {
  const wait = Math.min(Math.max(options.waitSeconds ?? 4, 0), 10)
  const timeoutMs = options.timeoutMs ?? 5_000
  const basic = `Basic ${Buffer.from(
    `${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`,
  ).toString('base64')}`
  const discovered = feedEndpoint(options, timeoutMs)
  return async (sink, cursor, signal) => {
    const { url, keys } = await discovered()
    const nonce = randomBytes(16).toString('base64url')
    const target = new URL(url)
    target.searchParams.set('after', String(cursor))
    target.searchParams.set('wait', String(wait))
    target.searchParams.set('nonce', nonce)
    const response = await fetch(target, {
      headers: { authorization: basic, accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.any([signal, AbortSignal.timeout(wait * 1000 + timeoutMs)]),
    })
    if (!response.ok) {
      await response.body?.cancel()
      throw new FeedError(`revocation feed answered ${String(response.status)}`)
    }
    const page = (await response.json()) as { sets?: unknown; checkpoint?: unknown; more?: unknown }
    const checkpoint = await verifySet(options, keys, page.checkpoint, FEED_CHECKPOINT_SET_EVENT)
    const next = checkpoint['cursor']
    if (checkpoint['nonce'] !== nonce || typeof next !== 'number' || next < cursor) {
      throw new FeedError('stale or foreign checkpoint')
    }
    if (!Array.isArray(page.sets)) throw new FeedError('malformed feed page')
    // Every SET is verified before any is applied: a page is taken whole or not at all.
    const events = await Promise.all(
      page.sets.map((set) => verifySet(options, keys, set, REVOCATION_SET_EVENT)),
    )
    for (const event of events) {
      if (typeof event['type'] === 'string') sink.apply(event as unknown as RevocationEvent)
    }
    return { cursor: next, caughtUp: page.more !== true }
  }
}

/** The feed URL and key set: configured, or discovered once (retried after a failure). */
function feedEndpoint(
  options: HttpRevocationFeedOptions,
  timeoutMs: number,
): () => Promise<FeedEndpoint> {
  let endpoint: Promise<FeedEndpoint> | undefined
  return () => {
    endpoint ??= (async () => {
      const metadata =
        options.url === undefined || options.jwksUri === undefined
          ? ((await discoverMetadata(options.issuer, timeoutMs)) as Record<string, unknown>)
          : {}
      const url = options.url ?? metadata[REVOCATION_FEED_METADATA]
      const jwksUri = options.jwksUri ?? metadata['jwks_uri']
      if (typeof url !== 'string' || typeof jwksUri !== 'string') {
        throw new FeedError('issuer publishes no revocation feed or jwks_uri')
      }
      return {
        url: requireSecureUrl(REVOCATION_FEED_METADATA, url),
        keys: createRemoteJWKSet(requireSecureUrl('jwks_uri', jwksUri), {
          timeoutDuration: timeoutMs,
        }),
      }
    })()
    endpoint.catch(() => (endpoint = undefined))
    return endpoint
  }
}

/** One SET of the feed: signature, `iss`, `aud` (our client_id), `typ`, and the event body. */
async function verifySet(
  options: HttpRevocationFeedOptions,
  keys: JWTVerifyGetKey,
  set: unknown,
  event: string,
): Promise<Record<string, unknown>> {
  if (typeof set !== 'string') throw new FeedError('malformed feed page')
  const { payload } = await jwtVerify(set, keys, {
    issuer: options.issuer,
    audience: options.clientId,
    typ: SECEVENT_JWT_TYPE,
    algorithms: ['ES256', 'EdDSA', 'PS256', 'RS256'],
  })
  const body = (payload['events'] as Record<string, unknown> | undefined)?.[event]
  if (typeof body !== 'object' || body === null) throw new FeedError('unexpected event')
  return body as Record<string, unknown>
}
