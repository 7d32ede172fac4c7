import type { ServerContext } from '@modelcontextprotocol/server'
import type { CompiledUpstream, GatewayCore } from '../front/gateway-core.ts'
import { hasRisk, riskSignal, withRisk } from './risk-signal.ts'

type Handler<Req, Res> = (request: Req, ctx: ServerContext) => Res | Promise<Res>

/** Whether any compiled rule of `upstream` reads `risk` (re-decided on every reload). */
export function readsRisk(upstream: CompiledUpstream): boolean {
  return upstream.rules.some((rule) => rule.readsRisk)
}

/**
 * The request step that computes the risk signal before `handler` decides anything, only when
 * a policy the request may be decided by reads `risk`: `involved` names those upstreams (by
 * default every configured one, read when the request arrives so a reload counts at once).
 * Otherwise no history is read at all. A signal that cannot be computed stays unset, so a
 * condition reading it denies (fail closed).
 */
export function riskStep(core: GatewayCore) {
  return <Req, Res>(
      handler: Handler<Req, Res>,
      involved: (request: Req) => readonly CompiledUpstream[] = () => core.upstreams,
    ): Handler<Req, Res> =>
    (request, ctx) => {
      if (!hasRisk(core) || !involved(request).some(readsRisk)) return handler(request, ctx)
      return riskSignal(core, ctx).then((signal) => withRisk(signal, () => handler(request, ctx)))
    }
}
