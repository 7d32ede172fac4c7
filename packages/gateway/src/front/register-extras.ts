import type { Server } from '@modelcontextprotocol/server'
import { complete } from './complete.ts'
import type { GatewayCore } from './gateway-core.ts'
import type { riskStep } from '../risk/risk-step.ts'
import { listResourceTemplates, subscription } from './resource-templates.ts'

/**
 * Resource templates, subscriptions and completions of the gateway's front server (declared in
 * its capabilities as `resources.subscribe` and `completions`).
 */
export function registerTemplatesAndCompletions(
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- the gateway's low-level server
  server: Server,
  core: GatewayCore,
  risk: ReturnType<typeof riskStep>,
): void {
  server.setRequestHandler(
    'resources/templates/list',
    risk((_request, ctx) => listResourceTemplates(core, ctx)),
  )
  server.setRequestHandler(
    'resources/subscribe',
    risk((request, ctx) => subscription(core, 'subscribe', request.params, ctx)),
  )
  server.setRequestHandler(
    'resources/unsubscribe',
    risk((request, ctx) => subscription(core, 'unsubscribe', request.params, ctx)),
  )
  server.setRequestHandler(
    'completion/complete',
    risk((request, ctx) => complete(core, request.params, ctx)),
  )
}
