import { Hono } from 'hono'
import type { HttpBindings } from '@hono/node-server'
import type { JWK } from 'jose'
import { REVOCATION_CHANNEL } from '@mandate/core'
import { recentRevocations, revocationsAfter } from '@mandate/store'
import type { RecordedRevocation, Store } from '@mandate/store'
import type { AuthorizationServerConfig } from '../config/resolve-config.ts'
import { feedClientAuthenticator } from './feed-client-auth.ts'
import { setSigner } from './revocation-sets.ts'

type Env = { Bindings: HttpBindings }

/** Where the feed is served (published as `mandate_revocation_feed_endpoint`). */
export const REVOCATION_FEED_PATH = '/oauth/revocations'
const PAGE = 500
/** Longest long-poll, seconds: shorter than any sensible staleness bound of a reader. */
const MAX_WAIT_S = 10
/** How far back a read re-reads: on PostgreSQL a lower seq can commit after a higher one. */
const OVERLAP_MS = 5_000

/**
 * `GET /oauth/revocations?after=<seq>&wait=<s>&nonce=<n>`: the revocation log for resource
 * servers that share no store with us (docs/revocation.md). JSON `{ sets, cursor, more,
 * checkpoint }`: each event an RFC 8417 SET signed with our signing key, `cursor` the `seq` to
 * resume `after`, and a signed checkpoint SET carrying cursor and nonce, so a reader can tell a
 * genuine, fresh "nothing new" from a forged or replayed one. With `wait`, an empty answer is
 * held (long poll) until an event arrives or `wait` seconds pass.
 */
export function revocationFeedRoutes(context: {
  options: AuthorizationServerConfig
  store: Store
  signingKey: () => JWK
}): Hono<Env> {
  const { options, store } = context
  const authenticate = feedClientAuthenticator(options)
  const signer = setSigner(options.issuer, context.signingKey)
  const app = new Hono<Env>()
  app.get('/', async (c) => {
    c.header('Cache-Control', 'no-store')
    const clientId = authenticate(c.req.header('authorization'))
    if (clientId === undefined) {
      c.header('WWW-Authenticate', 'Basic realm="revocations"')
      return c.json(
        { error: 'invalid_client', error_description: 'client authentication failed' },
        401,
      )
    }
    const after = param(c.req.query('after'), /^\d{1,15}$/, '0')
    const wait = param(c.req.query('wait'), /^\d{1,2}$/, '0')
    const nonce = c.req.query('nonce')
    if (
      after === undefined ||
      wait === undefined ||
      (nonce !== undefined && !/^[\w-]{1,128}$/.test(nonce))
    ) {
      return c.json(
        { error: 'invalid_request', error_description: 'bad after, wait or nonce' },
        400,
      )
    }
    const cursorIn = Number(after)
    let page = await revocationsAfter(store, cursorIn, { limit: PAGE })
    if (page.length === 0 && Number(wait) > 0) {
      await nextRevocation(
        store,
        cursorIn,
        Math.min(Number(wait), MAX_WAIT_S) * 1000,
        c.env.outgoing,
      )
      page = await revocationsAfter(store, cursorIn, { limit: PAGE })
    }
    const late =
      cursorIn === 0
        ? []
        : (await recentRevocations(store, Date.now() - OVERLAP_MS)).filter((e) => e.seq <= cursorIn)
    const cursor = Math.max(cursorIn, page.at(-1)?.seq ?? 0)
    const events: RecordedRevocation[] = [...late, ...page]
    return c.json({
      sets: await Promise.all(events.map((event) => signer.revocation(event, clientId))),
      cursor,
      more: page.length === PAGE,
      checkpoint: await signer.checkpoint(cursor, nonce, clientId),
    })
  })
  return app
}

function param(value: string | undefined, pattern: RegExp, fallback: string): string | undefined {
  if (value === undefined) return fallback
  return pattern.test(value) ? value : undefined
}

/**
 * Resolves when an event after `cursor` exists (pushed on the channel, or found in the log,
 * which another process such as the CLI writes on SQLite), after `ms`, or when the reader left.
 */
function nextRevocation(
  store: Store,
  cursor: number,
  ms: number,
  outgoing: HttpBindings['outgoing'],
): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    const poll = setInterval(() => {
      revocationsAfter(store, cursor, { limit: 1 })
        .then((found) => {
          if (found.length > 0) done()
        })
        .catch(() => undefined)
    }, 250)
    const unsubscribe = store.subscribe(REVOCATION_CHANNEL, done)
    // The response's close: the reader left (IncomingMessage's fires once a GET is read).
    outgoing.once('close', done)
    function done(): void {
      clearTimeout(timer)
      clearInterval(poll)
      unsubscribe()
      outgoing.off('close', done)
      resolve()
    }
  })
}
