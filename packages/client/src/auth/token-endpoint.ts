import { parseWwwAuthenticate } from '@mandate/core'
import type { FetchLike } from '@modelcontextprotocol/client'

import type { ClientError } from '../errors.ts'
import { checkResource } from './check-resource.ts'

/** Builds the error a grant raises; messages never carry a token or an assertion. */
export type GrantFailure = (message: string) => ClientError

/** What a 401 and the server's RFC 9728 metadata say about where to get a token. */
export interface ProtectedResource {
  /** The resource indicator (RFC 8707), checked against the server URL. */
  resource: string
  /** The first authorization server the metadata names. */
  issuer: string
  /** The `scope` of the challenge, when it had one. */
  challengeScope: string | undefined
}

/** RFC 9728 §5.1: the metadata named by the challenge, or the well-known location. */
export async function discoverProtectedResource(
  send: FetchLike,
  response: Response,
  serverUrl: URL,
  fail: GrantFailure,
): Promise<ProtectedResource> {
  const challenge = parseWwwAuthenticate(response.headers.get('www-authenticate') ?? '').find(
    (c) => c.scheme.toLowerCase() === 'bearer',
  )
  const metadataUrl =
    challenge?.params['resource_metadata'] ??
    new URL(`/.well-known/oauth-protected-resource${serverUrl.pathname}`, serverUrl).href
  const prm = await fetchJson(send, metadataUrl, fail)
  const resource = checkResource(serverUrl, requireString(prm['resource'], 'resource', fail))
  const servers = prm['authorization_servers']
  const issuer = requireString(
    Array.isArray(servers) ? servers[0] : undefined,
    'authorization_servers',
    fail,
  )
  return { resource, issuer, challengeScope: challenge?.params['scope'] }
}

/** RFC 8414 §3: the issuer's metadata, which must name that issuer (§3.3). */
export async function authorizationServerMetadata(
  send: FetchLike,
  issuer: string,
  fail: GrantFailure,
  onMismatch: () => ClientError,
): Promise<Record<string, unknown>> {
  const url = new URL(issuer)
  const path = url.pathname === '/' ? '' : url.pathname
  const metadata = await fetchJson(
    send,
    new URL(`/.well-known/oauth-authorization-server${path}`, url).href,
    fail,
  )
  if (metadata['issuer'] !== issuer) throw onMismatch()
  return metadata
}

/**
 * One token request (RFC 6749 §3.2). A confidential client authenticates with
 * `client_secret_basic`, a public one names itself with `client_id` (§3.2.1). A refusal raises
 * `fail` with the OAuth `error` code only (never `error_description`, server-chosen text).
 */
export async function tokenRequest(
  send: FetchLike,
  endpoint: string,
  client: { clientId: string; clientSecret?: string | undefined },
  form: Record<string, string>,
  fail: GrantFailure,
): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  }
  const secret = client.clientSecret
  if (secret === undefined) {
    form = { ...form, client_id: client.clientId }
  } else {
    // RFC 6749 §2.3.1: form-encode the credentials before Base64.
    const credentials = `${encodeURIComponent(client.clientId)}:${encodeURIComponent(secret)}`
    headers['authorization'] = `Basic ${Buffer.from(credentials).toString('base64')}`
  }
  const response = await send(endpoint, {
    method: 'POST',
    headers,
    body: new URLSearchParams(form).toString(),
  })
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>
  if (!response.ok) {
    const error =
      typeof body['error'] === 'string' ? body['error'] : `HTTP ${String(response.status)}`
    throw fail(`token request refused: ${error.slice(0, 60)}`)
  }
  return body
}

/** A JSON document, or `fail` with the HTTP status. */
export async function fetchJson(
  send: FetchLike,
  url: string,
  fail: GrantFailure,
): Promise<Record<string, unknown>> {
  const response = await send(url, { headers: { accept: 'application/json' } })
  if (!response.ok) throw fail(`metadata unavailable (HTTP ${String(response.status)})`)
  return (await response.json()) as Record<string, unknown>
}

/** A non-empty string member, or `fail` naming it. */
export function requireString(value: unknown, name: string, fail: GrantFailure): string {
  if (typeof value !== 'string' || value === '') throw fail(`missing ${name}`)
  return value
}
