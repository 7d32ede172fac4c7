import { hasUrlElicitationCapability, putUrlElicitationCapability } from '@mandate/store'
import type { Store } from '@mandate/store'

/**
 * Remembers whether a 2025-era client declared URL-mode elicitation at `initialize`
 * (`capabilities.elicitation.url`), per user and OAuth client: stateless serving answers each
 * request with a fresh server instance that never saw the handshake.
 */
export async function rememberUrlElicitation(
  store: Store,
  key: { sub: string; clientId: string },
  capabilities: unknown,
  now: number,
): Promise<void> {
  const elicitation = (capabilities as { elicitation?: { url?: unknown } } | undefined)?.elicitation
  const declared = typeof elicitation?.url === 'object' && elicitation.url !== null
  await putUrlElicitationCapability(store, key, declared, now)
}

/** Whether the user's client declared URL-mode elicitation (never assumed, catalogue #187). */
export function declaredUrlElicitation(
  store: Store,
  key: { sub: string; clientId: string },
): Promise<boolean> {
  return hasUrlElicitationCapability(store, key)
}
