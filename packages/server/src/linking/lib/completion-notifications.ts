import type { Logger } from '@mandate/core'
import type { Store } from '@mandate/store'
import type { JSONRPCNotification } from '@modelcontextprotocol/server'
import type { McpIdentity } from '../../identity.ts'
import type { NotificationSource } from '../../notifications.ts'
import { completedSince } from './pending-links.ts'
import type { PendingLink } from './pending-links.ts'

/** The store channel every instance hears completed links on ({@link LinkCompletedEvent}). */
export const LINK_COMPLETED_CHANNEL = 'mandate:linking:completed'

/** Published on `LINK_COMPLETED_CHANNEL` when a user finished linking (every instance hears it). */
export interface LinkCompletedEvent {
  sub: string
  /** The OAuth client the link was made for; only its streams are told. */
  client_id?: string
  provider: string
  /** The 2025-11-25 `elicitationId` of `notifications/elicitation/complete`. */
  elicitation_id: string
}

/** Tells every instance that the user finished `link` (the provider callback's last step). */
export async function publishLinkCompleted(
  store: Store,
  logger: Logger,
  link: PendingLink,
): Promise<void> {
  logger.info('account linked', { provider: link.provider })
  const event: LinkCompletedEvent = {
    sub: link.sub,
    ...(link.clientId === undefined ? {} : { client_id: link.clientId }),
    provider: link.provider,
    elicitation_id: link.elicitationId,
  }
  await store.publish(LINK_COMPLETED_CHANNEL, { ...event })
}

/** A stream reopened within this long after a completion still hears of it (reconnect gaps). */
const REPLAY_MS = 120_000

const completion = (elicitationId: string): JSONRPCNotification => ({
  jsonrpc: '2.0',
  method: 'notifications/elicitation/complete',
  params: { elicitationId },
})

/**
 * `notifications/elicitation/complete` for the streams of the user and client that started each
 * elicitation, and no one else (MCP 2025-11-25 elicitation, "URL Mode": the notification MUST
 * only go to the client that initiated it). One store subscription per instance fans out.
 */
export function completionNotifications(
  store: Store,
  now: () => number,
): NotificationSource & { close(): void } {
  const listeners = new Map<string, Set<(elicitationId: string) => void>>()
  const keyOf = (sub: string, clientId: string): string => `${sub}\u0000${clientId}`
  const unsubscribe = store.subscribe(LINK_COMPLETED_CHANNEL, (message) => {
    const event = message as Partial<LinkCompletedEvent>
    if (typeof event.sub !== 'string' || typeof event.client_id !== 'string') return
    if (typeof event.elicitation_id !== 'string') return
    for (const listener of listeners.get(keyOf(event.sub, event.client_id)) ?? []) {
      listener(event.elicitation_id)
    }
  })
  return {
    subscribe(caller: McpIdentity, send) {
      const key = keyOf(caller.sub, caller.clientId)
      const sent = new Set<string>()
      let active = true
      const deliver = (elicitationId: string): void => {
        if (!active || sent.has(elicitationId)) return
        sent.add(elicitationId)
        send(completion(elicitationId))
      }
      const mine = listeners.get(key) ?? new Set()
      mine.add(deliver)
      listeners.set(key, mine)
      completedSince(store, caller, now() - REPLAY_MS).then(
        (ids) => {
          for (const id of ids) deliver(id)
        },
        () => undefined,
      )
      return () => {
        active = false
        mine.delete(deliver)
        if (mine.size === 0 && listeners.get(key) === mine) listeners.delete(key)
      }
    },
    close: unsubscribe,
  }
}
