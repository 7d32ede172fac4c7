import { preflightResponse } from '../http/cors.ts'
import type { ProtectedCall } from './protected-call.ts'

/** Step: a CORS preflight (`OPTIONS`) is answered here, before any authentication. */
export function answerPreflight(call: ProtectedCall): Response | undefined {
  return call.request.method === 'OPTIONS' ? preflightResponse() : undefined
}
