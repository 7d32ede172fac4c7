import type { ProtectRuntime } from '../runtime/start-protect-runtime.ts'
import type { ProtectedCall } from './protected-call.ts'

/**
 * Step: stateless serving forgets what a 2025-11-25 client declared at `initialize` (e.g. URL
 * elicitation); hand it to whoever must remember it per user and client. Never fails the call.
 */
export async function rememberInitialize(
  call: ProtectedCall,
  { config }: ProtectRuntime,
): Promise<undefined> {
  const { onClientInitialize } = config
  const message = call.body as { method?: unknown; params?: { capabilities?: unknown } } | undefined
  if (onClientInitialize === undefined || message?.method !== 'initialize') return undefined
  try {
    await onClientInitialize(call.identity, message.params?.capabilities)
  } catch (error) {
    config.logger.warn('onClientInitialize failed', { error })
  }
  return undefined
}
