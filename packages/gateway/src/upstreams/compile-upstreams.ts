import { ConfigurationError } from '@mandate/core'
import type { CompiledUpstream } from '../front/gateway-core.ts'
import type { GatewayOptions, UpstreamOptions } from '../options.ts'
import { compilePolicy } from '../policy/compile-policy.ts'

/**
 * Checks and compiles the configured upstreams once, when the gateway is built: unique names
 * and prefixes, a credential that can be delivered, compiled policies, and for `vault`
 * credentials the linking bound to that upstream's declared provider and scopes (the vault then
 * refuses any other provider or scope for it).
 * @throws ConfigurationError naming the offending `gateway.upstreams[i]` member.
 */
export function compileUpstreams(options: GatewayOptions): CompiledUpstream[] {
  const names = new Set<string>()
  const prefixes = new Set<string>()
  return options.upstreams.map((upstream, index) => {
    const where = `gateway.upstreams[${String(index)}]`
    if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(upstream.name)) {
      throw new ConfigurationError(`${where}.name`, 'lower-case letters, digits, _ and - only')
    }
    if (names.has(upstream.name))
      throw new ConfigurationError(`${where}.name`, 'duplicate upstream')
    names.add(upstream.name)
    const prefix = upstream.prefix ?? `${upstream.name}__`
    if (prefixes.has(prefix)) throw new ConfigurationError(`${where}.prefix`, 'duplicate prefix')
    prefixes.add(prefix)
    checkCredential(where, upstream, options)
    const rules = compilePolicy(`gateway.upstreams.${upstream.name}`, upstream.policy)
    return {
      options: upstream,
      prefix,
      rules,
      mayAllow: rules.some((r) => r.rule.action !== 'deny'),
      linking: upstreamLinking(upstream, options),
      stepUpLinking: upstreamLinking(upstream, options, 'stepUp'),
    }
  })
}

/**
 * The linking of a `vault` upstream, declared from its configuration (never from a request);
 * `stepUp`: with its `stepUpScopes` too, for re-linking after an upstream's insufficient_scope.
 */
function upstreamLinking(upstream: UpstreamOptions, options: GatewayOptions, stepUp?: 'stepUp') {
  const { credential } = upstream
  if (credential.kind !== 'vault') return undefined
  if (stepUp !== undefined && credential.stepUpScopes === undefined) return undefined
  const scopes = [
    ...(credential.scopes ?? []),
    ...(stepUp === undefined ? [] : (credential.stepUpScopes ?? [])),
  ]
  return options.linking?.forTool([
    {
      provider: credential.provider,
      ...(scopes.length === 0 ? {} : { scopes }),
    },
  ])
}

function checkCredential(where: string, upstream: UpstreamOptions, options: GatewayOptions): void {
  const { credential, transport } = upstream
  if (transport.type === 'http' && URL.parse(transport.url) === null) {
    throw new ConfigurationError(`${where}.transport.url`, 'must be a URL')
  }
  const perUser = credential.kind === 'exchange' || credential.kind === 'vault'
  if (transport.type === 'stdio' && transport.shared === true && perUser) {
    throw new ConfigurationError(
      `${where}.transport.shared`,
      'a shared process serves every user: static (or no) credentials only, never per-user ones',
    )
  }
  if (credential.kind === 'none') return
  if (credential.kind === 'exchange') checkExchangeDelivery(where, upstream)
  const handshake = credential.kind === 'exchange' && credential.handshake === true
  if (transport.type === 'stdio' && credential.env === undefined && !handshake) {
    throw new ConfigurationError(
      `${where}.credential.env`,
      'stdio upstreams receive credentials in an environment variable',
    )
  }
  if (credential.kind === 'exchange' && options.tokenExchange === undefined) {
    throw new ConfigurationError(
      `${where}.credential`,
      'token exchange needs gateway.tokenExchange',
    )
  }
  if (credential.kind === 'exchange' && credential.resource === options.resource) {
    throw new ConfigurationError(`${where}.credential.resource`, 'must not be the gateway itself')
  }
  if (credential.kind === 'vault' && options.linking === undefined) {
    throw new ConfigurationError(`${where}.credential`, 'vault credentials need account linking')
  }
}

/**
 * `dpop` binds a token to HTTP requests (RFC 9449 §7: `Authorization: DPoP` with a proof per
 * request), so it needs an HTTP upstream and the `authorization` header as is; `handshake`
 * (docs/stdio.md) is the stdin of a stdio upstream, which refuses a DPoP-bound token.
 */
function checkExchangeDelivery(where: string, upstream: UpstreamOptions): void {
  const { credential, transport } = upstream
  if (credential.kind !== 'exchange') return
  // Configuration may come from JSON: check what the type promises.
  const dpop: unknown = credential.dpop
  if (dpop !== undefined && dpop !== false) {
    if (dpop !== true && dpop !== 'auto')
      throw new ConfigurationError(`${where}.credential.dpop`, "true, false or 'auto'")
    if (transport.type !== 'http')
      throw new ConfigurationError(`${where}.credential.dpop`, 'dpop needs an http upstream')
    const header = (credential.header ?? 'authorization').toLowerCase()
    if (header !== 'authorization' || credential.format !== undefined) {
      throw new ConfigurationError(
        `${where}.credential.dpop`,
        'a dpop-bound token goes in the authorization header, unformatted',
      )
    }
  }
  if (credential.handshake === true) {
    if (transport.type !== 'stdio') {
      throw new ConfigurationError(
        `${where}.credential.handshake`,
        'the stdio handshake needs a stdio upstream',
      )
    }
    if (credential.env !== undefined || credential.format !== undefined) {
      throw new ConfigurationError(
        `${where}.credential.handshake`,
        'a handshake token is never also put in the environment',
      )
    }
  }
}
