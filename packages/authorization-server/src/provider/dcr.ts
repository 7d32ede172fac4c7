import { randomBytes } from 'node:crypto'
import type Provider from 'oidc-provider'
import type { KoaContextWithOIDC } from 'oidc-provider'
import { extendClientLifetime } from '../adapter/store-adapter.ts'
import { sha256Hex } from '../lib/hash.ts'
import type { ProviderContext } from './provider-context.ts'

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

/**
 * Client secrets for DCR (RFC 7591 §3.2.1): 256 random bits, so that the SHA-256 kept at rest
 * (client-secrets.ts) cannot be reversed by search.
 */
export function dcrSecretFactory(): string {
  return randomBytes(32).toString('base64url')
}

/**
 * DCR hygiene: an unused dynamically registered client expires (`dcr.ttlSeconds`); each token
 * it obtains extends its life by that much again.
 */
export function extendDcrClientLifetimes(provider: Provider, { config }: ProviderContext): void {
  const ttlMs = config.dcr.ttlSeconds * 1000
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    const clientId = ctx.oidc.client?.clientId
    if (clientId?.startsWith('dcr_') === true) {
      extendClientLifetime(config.store, clientId, ttlMs).catch(() => undefined)
    }
  })
}
