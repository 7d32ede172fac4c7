import type { StoredOAuthClientInformation } from '@modelcontextprotocol/client'

/** A client registered out of band with one authorization server. */
export interface PreRegisteredClient {
  client_id: string
  client_secret?: string
  /** The issuer it was registered with; the credential is never sent to another one. */
  issuer?: string
}

/**
 * The pre-registered client as the SDK's client information, for `issuer` (the authorization
 * server in use, when known); `undefined` when it was registered with another issuer, so its
 * credential never reaches a server it was not issued by (RFC 6749 §2.2: a `client_id` is unique
 * to its authorization server).
 */
export function preRegisteredInformation(
  pre: PreRegisteredClient | undefined,
  issuer: string | undefined,
): StoredOAuthClientInformation | undefined {
  if (pre === undefined) return undefined
  if (pre.issuer !== undefined && issuer !== undefined && pre.issuer !== issuer) return undefined
  return {
    client_id: pre.client_id,
    ...(pre.client_secret === undefined ? {} : { client_secret: pre.client_secret }),
    ...(pre.issuer === undefined ? {} : { issuer: pre.issuer }),
  }
}
