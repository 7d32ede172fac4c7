import { transportGuard } from '../http/transport-guards.ts'
import type { ProtectRuntime } from '../runtime/start-protect-runtime.ts'
import type { ProtectedCall } from './protected-call.ts'

/** Step: the `Host` and a browser `Origin` must be ones this endpoint serves (403 otherwise). */
export function checkTransport(
  call: ProtectedCall,
  { config }: ProtectRuntime,
): Response | undefined {
  return transportGuard(call.request, config.allowedHosts, config.allowedOrigins)
}
