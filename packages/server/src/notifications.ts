import type { JSONRPCNotification } from '@modelcontextprotocol/server'
import type { McpIdentity } from './identity.ts'

/**
 * Server-initiated notifications for one caller, delivered on the MCP 2025-11-25 standalone SSE
 * stream (`GET` on the endpoint, Streamable HTTP "Listening for Messages from the Server"). The
 * caller is the verified user and OAuth client, never a session: serving stays stateless.
 */
export interface NotificationSource {
  /**
   * Calls `send` with each notification meant for `caller` (same `sub` and client) until the
   * returned function is called. May call `send` at once with recent ones the caller could have
   * missed between two streams; clients ignore ids they already saw.
   */
  subscribe(caller: McpIdentity, send: (notification: JSONRPCNotification) => void): () => void
}

/** The standalone SSE stream of a protected endpoint: where notifications come from, and bounds. */
export interface NotificationStreamOptions {
  source: NotificationSource
  /** A comment line this often keeps proxies from closing an idle stream. Default 15 s. */
  keepAliveSeconds?: number
  /**
   * Longest life of one stream; it also ends when the token expires or is revoked, and the
   * client reconnects with a fresh token. Default 300 s.
   */
  maxStreamSeconds?: number
  /** Streams one user+client may hold open on one instance; the oldest is closed. Default 4. */
  maxStreamsPerCaller?: number
}
