import type { CallToolResult, InputRequiredResult } from '@modelcontextprotocol/server'
import type { CredentialKind } from './resolve-credential.ts'

/** How a tool says its third-party credential was refused (status codes and common wording). */
const REJECTED = /\b401\b|\bunauthori[sz]ed\b|\binvalid[_ ]token\b|\bbad credentials\b/i

/**
 * Whether an upstream reported, as a tool error, that the credential the gateway gave it was
 * refused: stdio upstreams (and many HTTP ones) have no HTTP status of their own, they relay the
 * third-party API's `401` in an `isError` result. Only per-user credentials the gateway can
 * renew count (a refreshed linked account or a new exchange, catalogue #193); the text is read
 * to decide one refresh and one retry, never shown differently.
 */
export function credentialRejectedInResult(
  result: CallToolResult | InputRequiredResult,
  kind: CredentialKind,
): boolean {
  if (kind !== 'vault' && kind !== 'exchange') return false
  const { isError, content } = result as CallToolResult
  if (isError !== true || !Array.isArray(content)) return false
  return content.some((block) => block.type === 'text' && REJECTED.test(block.text.slice(0, 2000)))
}
