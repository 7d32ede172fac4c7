import { ConfigurationError } from '@mandate/core'
import type { Gateway, UpstreamReload } from '@mandate/gateway'
import type { MandateConfig } from '../config/schema.ts'
import { gatewayUpstreams } from './gateway-config.ts'
import type { GatewaySetup } from './mount-gateway.ts'

/**
 * `mandate serve` on SIGHUP (docs/gateway.md, "Reloading"): the gateway's upstreams and
 * policies from a freshly loaded configuration, checked whole before anything changes. What the
 * authorization server registered at start (the gateway's resource and path, the token-exchange
 * audiences and scopes) cannot change without a restart: such a configuration is refused.
 * @throws ConfigurationError naming the key; the gateway then keeps what it had.
 */
export async function reloadServeGateway(
  gateway: Gateway,
  setup: GatewaySetup,
  config: MandateConfig,
): Promise<UpstreamReload> {
  const section = config.gateway
  if (!section.enabled) {
    throw new ConfigurationError('gateway.enabled', 'turning the gateway off needs a restart')
  }
  if (new URL(section.path, setup.resource).href !== setup.resource) {
    throw new ConfigurationError('gateway.path', 'changing the path needs a restart')
  }
  section.upstreams.forEach((upstream, index) => {
    const { credential } = upstream
    if (credential.kind !== 'exchange') return
    const where = `gateway.upstreams[${String(index)}].credential`
    if (!setup.audiences.includes(credential.resource)) {
      throw new ConfigurationError(
        `${where}.resource`,
        'a new token-exchange resource needs a restart',
      )
    }
    const unknown = [...credential.scopes, ...(credential.stepUpScopes ?? [])].filter(
      (scope) => !setup.scopes.includes(scope),
    )
    if (unknown.length > 0) {
      throw new ConfigurationError(
        `${where}.scopes`,
        `new token-exchange scopes need a restart: ${unknown.join(' ')}`,
      )
    }
  })
  return gateway.reloadUpstreams(gatewayUpstreams(section))
}

/**
 * What `mandate serve` runs on SIGHUP for its gateway: {@link reloadServeGateway}, or, without a
 * gateway, nothing (turning it on needs a restart: refused).
 */
export function gatewayReloader(
  gateway: Gateway | undefined,
  setup: GatewaySetup | undefined,
): (config: MandateConfig) => Promise<void> {
  return async (config) => {
    if (gateway === undefined || setup === undefined) {
      if (config.gateway.enabled)
        throw new ConfigurationError('gateway.enabled', 'turning the gateway on needs a restart')
      return
    }
    await reloadServeGateway(gateway, setup, config)
  }
}
