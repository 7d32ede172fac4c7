import { randomBytes } from 'node:crypto'
import type { KoaContextWithOIDC } from 'oidc-provider'
import { sha256Hex } from '../lib/hash.ts'

/**
 * Client ids for Dynamic Client Registration (RFC 7591). A public client that registers the
 * same metadata again gets the same `client_id` (deduplication: MCP clients re-register on
 * every start); anything else gets a random id.
 */
export function dcrIdFactory(ctx: KoaContextWithOIDC): string {
  const body = (ctx.oidc.body ?? {}) as Record<string, unknown>
  if (body['token_endpoint_auth_method'] === 'none') {
    const canonical = JSON.stringify(
      Object.keys(body)
        .sort()
        .map((key) => [key, body[key]]),
    )
    return `dcr_${sha256Hex(canonical).slice(0, 32)}`
  }
  return `dcr_${randomBytes(16).toString('hex')}`
}
