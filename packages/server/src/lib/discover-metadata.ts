import type { AuthorizationServerMetadata } from '@mandate/core'
import { TokenRejectedError } from '../verify/token-rejected-error.ts'

/**
 * Fetches RFC 8414 metadata for a trusted issuer (path-inserted well-known URL, §3.1), falling
 * back to OpenID Connect Discovery. The document's `issuer` must equal the configured one
 * exactly (RFC 8414 §3.3, catalogue #85). The issuer is operator configuration, never request
 * input, so no SSRF filter is needed here; the timeout is bounded (catalogue #103).
 */
export async function discoverMetadata(
  issuer: string,
  timeoutMs: number,
): Promise<AuthorizationServerMetadata> {
  const url = new URL(issuer)
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '')
  const candidates = [
    new URL(`/.well-known/oauth-authorization-server${path}`, url.origin),
    new URL(`${url.origin}${path}/.well-known/openid-configuration`),
  ]
  for (const candidate of candidates) {
    let response: Response
    try {
      response = await fetch(candidate, {
        headers: { accept: 'application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      })
    } catch (cause) {
      throw new TokenRejectedError('authorization server unreachable', {
        cause,
        code: 'ERR_SERVER_DISCOVERY',
      })
    }
    if (response.status === 404) {
      await response.body?.cancel()
      continue
    }
    if (!response.ok) {
      await response.body?.cancel()
      throw new TokenRejectedError('authorization server metadata unavailable', {
        code: 'ERR_SERVER_DISCOVERY',
      })
    }
    const body = (await response.json()) as unknown
    if (
      typeof body !== 'object' ||
      body === null ||
      (body as { issuer?: unknown }).issuer !== issuer
    ) {
      throw new TokenRejectedError('authorization server metadata issuer mismatch', {
        code: 'ERR_SERVER_DISCOVERY',
      })
    }
    return body as AuthorizationServerMetadata
  }
  throw new TokenRejectedError('authorization server metadata not found', {
    code: 'ERR_SERVER_DISCOVERY',
  })
}
