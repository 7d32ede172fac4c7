import type { ProtectConfig } from '../config/resolve-protect-config.ts'
import type { McpIdentity } from '../identity.ts'
import type { ProtectRuntime } from '../runtime/start-protect-runtime.ts'
import type { ProtectedCall } from './protected-call.ts'

/**
 * Step: stateless serving forgets what a 2025-11-25 client declared at `initialize` (e.g. URL
 * elicitation); hand it to whoever must remember it per user and client. Never fails the call.
 */
export function rememberInitialize(
  call: ProtectedCall,
  { config }: ProtectRuntime,
): Promise<undefined> | undefined {
  const message = call.body as { method?: unknown; params?: { capabilities?: unknown } } | undefined
  if (config.onClientInitialize === undefined || message?.method !== 'initialize') return undefined
  return remember(call.identity, message.params?.capabilities, config)
}

async function remember(
  identity: McpIdentity,
  capabilities: unknown,
  { onClientInitialize, logger }: ProtectConfig,
): Promise<undefined> {
  try {
    await onClientInitialize?.(identity, capabilities)
  } catch (error) {
    logger.warn('onClientInitialize failed', { error })
  }
  return undefined
}
