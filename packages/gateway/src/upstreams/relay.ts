import type { Client } from '@modelcontextprotocol/client'
import type { JSONRPCNotification } from '@modelcontextprotocol/server'
import type { McpIdentity, NotificationSource } from '@mandate/server'

/** A notification as relayed to a front client (JSON-RPC without the envelope). */
export interface RelayedNotification {
  method: string
  params?: Record<string, unknown>
}

/** Where an upstream's messages about a call go: the front request that made that call. */
export interface RelayTarget {
  notify(notification: RelayedNotification): Promise<void>
}

/**
 * Notifications an upstream may send that reach the caller (MCP 2025-11-25: logging, URL
 * elicitation completion, list and resource changes). Progress is relayed per call, by the
 * upstream's own progress token (`callTool`'s `onprogress`), never by a token the upstream chose.
 */
const RELAYED = [
  'notifications/message',
  'notifications/elicitation/complete',
  'notifications/resources/updated',
  'notifications/resources/list_changed',
  'notifications/tools/list_changed',
  'notifications/prompts/list_changed',
] as const

/**
 * The calls in flight on one user's upstream session, newest last. A session belongs to one
 * `sub` and one client (the pool's key), so whatever it relays can only reach that caller: the
 * newest call in flight, else the caller's notification stream (GET), else nowhere.
 */
export class CallRelay {
  readonly #targets: RelayTarget[] = []
  readonly #idle: (notification: RelayedNotification) => void

  constructor(idle: (notification: RelayedNotification) => void) {
    this.#idle = idle
  }

  /** Runs `run` with `target` receiving this session's notifications while it is the newest. */
  async during<T>(target: RelayTarget, run: () => Promise<T>): Promise<T> {
    this.#targets.push(target)
    try {
      return await run()
    } finally {
      this.#targets.splice(this.#targets.lastIndexOf(target), 1)
    }
  }

  /** Sends one upstream notification to this session's caller. */
  relay(notification: RelayedNotification): void {
    const target = this.#targets.at(-1)
    if (target === undefined) this.#idle(notification)
    else void target.notify(notification).catch(() => undefined)
  }
}

/** Registers the relayed notification methods on an upstream client (before it connects). */
export function installRelay(client: Client, relay: CallRelay): void {
  for (const method of RELAYED) {
    client.setNotificationHandler(method, (notification) => {
      relay.relay({
        method: notification.method,
        ...(notification.params === undefined ? {} : { params: notification.params }),
      })
    })
  }
}

/**
 * Upstream notifications that arrive while no call of their session is in flight, delivered to
 * that caller's notification streams (GET, `@mandate/server`) only: keyed by `sub` and client,
 * as the sessions are.
 */
export class NotificationHub implements NotificationSource {
  readonly #streams = new Map<string, Set<(notification: JSONRPCNotification) => void>>()

  subscribe(caller: McpIdentity, send: (notification: JSONRPCNotification) => void): () => void {
    const key = JSON.stringify([caller.sub, caller.clientId])
    let streams = this.#streams.get(key)
    if (streams === undefined) this.#streams.set(key, (streams = new Set()))
    streams.add(send)
    return () => {
      streams.delete(send)
      if (streams.size === 0 && this.#streams.get(key) === streams) this.#streams.delete(key)
    }
  }

  /** Sends `notification` to the streams of this `sub` and client (none: dropped). */
  publish(owner: { sub: string; clientId: string }, notification: RelayedNotification): void {
    const streams = this.#streams.get(JSON.stringify([owner.sub, owner.clientId]))
    for (const send of streams ?? []) send({ jsonrpc: '2.0', ...notification })
  }
}

/** Both sources: account-linking notices and the gateway's own (one stream per caller). */
export function combinedSource(
  hub: NotificationHub,
  linking: NotificationSource | undefined,
): NotificationSource {
  if (linking === undefined) return hub
  return {
    subscribe(caller, send) {
      const stops = [hub.subscribe(caller, send), linking.subscribe(caller, send)]
      return () => {
        for (const stop of stops) stop()
      }
    },
  }
}
