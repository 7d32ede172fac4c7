import type { Client } from '@modelcontextprotocol/client'
import type { Logger } from '@mandate/core'
import { GatewayError } from '../gateway-error.ts'
import { subjectToken } from '../lib/subject-token.ts'
import type { UpstreamOptions } from '../options.ts'
import { callerOrigin } from '../revocation/caller-origin.ts'
import type { CallerOrigin } from '../revocation/caller-origin.ts'
import { connectUpstream } from './connect-upstream.ts'
import type { CredentialHolder } from './connect-upstream.ts'
import { CallRelay } from './relay.ts'
import type { RelayedNotification } from './relay.ts'
import { ElicitationDesk } from '../elicitation/elicitation-desk.ts'
import { isSharedProcess, SHARED_ORIGIN, SHARED_OWNER } from './shared-process.ts'

/**
 * One user's connection (or stdio process) to one upstream, with the credential it was opened
 * with (its fingerprint: a changed credential reopens it).
 */
export interface UpstreamSession {
  readonly client: Client
  readonly holder: CredentialHolder
  readonly owner: SessionOwner
  readonly upstream: UpstreamOptions
  /** The caller token of the newest use: a revocation event covering it closes the session. */
  origin: CallerOrigin
  /** Where the upstream's notifications go: this caller's call in flight, or its stream. */
  readonly relay: CallRelay
  /** The upstream's URL elicitations (declared to it only when its caller can be shown them). */
  readonly elicitations: ElicitationDesk | undefined
  fingerprint: string
  lastUsed: number
  /** The upstream's tools, listed recently (per session: an upstream may list per user). */
  tools?: { at: number; list: Awaited<ReturnType<Client['listTools']>>['tools'] }
}

interface PoolOptions {
  idleMs: number
  maxSessions: number
  fetch: typeof fetch
  logger: Logger
  /** Whether a revocation event already covers a caller token (checked on every use). */
  revoked?: (origin: CallerOrigin) => boolean
  /** Upstream notifications with no call in flight (to the caller's notification stream). */
  idle?: (owner: SessionOwner, notification: RelayedNotification) => void
}

/** Who an upstream session belongs to: never shared between users or between clients. */
export interface SessionOwner {
  sub: string
  clientId: string
}

/**
 * Per-user upstream sessions, keyed by (`sub`, client, upstream): one user's connection,
 * process or credential is never used for another. A stdio process whose credential changed is
 * replaced (its environment cannot change); idle sessions close after `idleMs`; a session whose
 * caller token a revocation event covers is closed at once ({@link SessionPool.closeWhere}).
 */
export class SessionPool {
  readonly #sessions = new Map<string, Promise<UpstreamSession>>()
  readonly #sweep: NodeJS.Timeout
  private readonly options: PoolOptions

  constructor(options: PoolOptions) {
    this.options = options
    this.#sweep = setInterval(() => void this.#closeIdle(), Math.min(options.idleMs, 60_000))
    this.#sweep.unref()
  }

  get size(): number {
    return this.#sessions.size
  }

  async session(
    owner: SessionOwner,
    upstream: UpstreamOptions,
    credential: { value: string | undefined; fingerprint: string },
    caller: { urlElicitation?: boolean } = {},
  ): Promise<UpstreamSession> {
    const origin = callerOrigin(subjectToken(), owner)
    // One process for every user (`shared`): keyed by the upstream alone, relaying nothing.
    const shared = isSharedProcess(upstream)
    const session = shared
      ? await this.#session(SHARED_OWNER, upstream, credential, SHARED_ORIGIN, {})
      : await this.#session(owner, upstream, credential, origin, caller)
    if (!shared) session.origin = origin
    // A call that was accepted just before its token was revoked must not act (issue 12).
    if (this.options.revoked?.(origin) === true) {
      await this.drop(owner, upstream.name)
      throw new GatewayError('ERR_GATEWAY_REVOKED', 'the caller token was revoked')
    }
    return session
  }

  async #session(
    owner: SessionOwner,
    upstream: UpstreamOptions,
    credential: { value: string | undefined; fingerprint: string },
    origin: CallerOrigin,
    caller: { urlElicitation?: boolean },
  ): Promise<UpstreamSession> {
    const key = JSON.stringify([owner.sub, owner.clientId, upstream.name])
    const existing = this.#sessions.get(key)
    if (existing !== undefined) {
      const session = await existing.catch(() => undefined)
      const sameCredential = session?.fingerprint === credential.fingerprint
      // A caller that can be shown URLs gets a session that declared URL elicitation upstream
      // (declared at `initialize` only): reopened once, never the other way round.
      const declares = caller.urlElicitation !== true || session?.elicitations !== undefined
      if (
        session !== undefined &&
        declares &&
        (upstream.transport.type === 'http' || sameCredential)
      ) {
        session.holder.value = credential.value
        session.fingerprint = credential.fingerprint
        session.lastUsed = Date.now()
        return session
      }
      if (this.#sessions.get(key) === existing) this.#sessions.delete(key)
      if (session !== undefined) await session.client.close().catch(() => undefined)
    }
    if (this.#sessions.size >= this.options.maxSessions) await this.#closeOldest()
    const holder: CredentialHolder = { value: credential.value }
    const who: SessionOwner = { sub: owner.sub, clientId: owner.clientId }
    const relay = new CallRelay((notification) => this.options.idle?.(who, notification))
    const desk =
      caller.urlElicitation === true
        ? new ElicitationDesk((why) => {
            this.options.logger.info('upstream elicitation declined', {
              upstream: upstream.name,
              why,
            })
          })
        : undefined
    const connecting = connectUpstream(upstream, holder, this.options.fetch, relay, desk)
    const opening = connecting.then((client) => {
      const session: UpstreamSession = {
        client,
        holder,
        owner: who,
        upstream,
        origin,
        relay,
        elicitations: desk,
        fingerprint: credential.fingerprint,
        lastUsed: Date.now(),
      }
      client.onclose = () => {
        if (this.#sessions.get(key) === opening) this.#sessions.delete(key)
      }
      return session
    })
    this.#sessions.set(key, opening)
    opening.catch(() => {
      if (this.#sessions.get(key) === opening) this.#sessions.delete(key)
    })
    return opening
  }

  /** Drops a session (after an upstream error that may have left it unusable). */
  async drop(owner: SessionOwner, upstream: string): Promise<void> {
    const key = JSON.stringify([owner.sub, owner.clientId, upstream])
    const existing = this.#sessions.get(key)
    this.#sessions.delete(key)
    const session = await existing?.catch(() => undefined)
    await session?.client.close().catch(() => undefined)
  }

  /**
   * Closes every session `matches` names (its connection ends, its stdio process is stopped);
   * returns how many. Sessions still opening are awaited, then judged.
   */
  async closeWhere(matches: (session: UpstreamSession) => boolean): Promise<number> {
    const closing = [...this.#sessions].map(async ([key, pending]) => {
      const session = await pending.catch(() => undefined)
      if (session === undefined || !matches(session)) return 0
      if (this.#sessions.get(key) === pending) this.#sessions.delete(key)
      await session.client.close().catch(() => undefined)
      return 1
    })
    return (await Promise.all(closing)).reduce<number>((a, b) => a + b, 0)
  }

  async close(): Promise<void> {
    clearInterval(this.#sweep)
    const all = [...this.#sessions.values()]
    this.#sessions.clear()
    await Promise.all(
      all.map(async (pending) => {
        const session = await pending.catch(() => undefined)
        await session?.client.close().catch(() => undefined)
      }),
    )
  }

  async #closeIdle(): Promise<void> {
    const limit = Date.now() - this.options.idleMs
    for (const [key, pending] of this.#sessions) {
      const session = await pending.catch(() => undefined)
      if (
        session !== undefined &&
        session.lastUsed < limit &&
        this.#sessions.get(key) === pending
      ) {
        this.#sessions.delete(key)
        await session.client.close().catch(() => undefined)
      }
    }
  }

  async #closeOldest(): Promise<void> {
    const first = this.#sessions.keys().next()
    if (first.done === true) return
    const pending = this.#sessions.get(first.value)
    this.#sessions.delete(first.value)
    const session = await pending?.catch(() => undefined)
    await session?.client.close().catch(() => undefined)
    this.options.logger.debug('upstream session evicted (pool full)')
  }
}
