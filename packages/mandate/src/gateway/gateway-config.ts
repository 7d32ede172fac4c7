import { randomBytes } from 'node:crypto'
import { ConfigurationError } from '@mandate/core'
import type { PolicyRule, UpstreamCredential, UpstreamOptions } from '@mandate/gateway'
import type { MandateConfig } from '../config/schema.ts'
import { readSecretFile } from '../providers/load-providers.ts'

type GatewayConfig = MandateConfig['gateway']
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'

/** The configured upstreams as `@mandate/gateway` options (static credentials read from files). */
export function gatewayUpstreams(config: GatewayConfig): UpstreamOptions[] {
  return config.upstreams.map((upstream, index) => {
    const where = `gateway.upstreams[${String(index)}]`
    const { transport } = upstream
    return {
      name: upstream.name,
      ...(upstream.prefix === undefined ? {} : { prefix: upstream.prefix }),
      transport:
        transport.type === 'http'
          ? {
              type: 'http',
              url: transport.url,
              ...(transport.headers === undefined ? {} : { headers: transport.headers }),
            }
          : {
              type: 'stdio',
              command: transport.command,
              args: transport.args,
              ...(transport.env === undefined ? {} : { env: transport.env }),
              ...(transport.cwd === undefined ? {} : { cwd: transport.cwd }),
              ...(transport.shared === undefined ? {} : { shared: transport.shared }),
            },
      credential: credentialOf(upstream.credential, `${where}.credential`),
      policy: upstream.policy.map((rule) => defined(rule) as PolicyRule),
    }
  })
}

function credentialOf(
  credential: GatewayConfig['upstreams'][number]['credential'],
  where: string,
): UpstreamCredential {
  if (credential.kind === 'static') {
    const { valueFile, ...rest } = credential
    return defined({
      ...rest,
      value: readSecretFile(valueFile, `${where}.valueFile`),
    }) as UpstreamCredential
  }
  return defined(credential) as UpstreamCredential
}

/**
 * What `mandate serve` registers at its own authorization server for the gateway: the gateway
 * as a resource (its scopes plus those of every exchange upstream, so that a caller's token can
 * be exchanged for them), its confidential client with a secret made at start, and the RFC 8693
 * policy from the gateway's audience to each exchange upstream (each a configured resource).
 */
export function gatewayRegistration(
  config: GatewayConfig,
  resource: string,
  knownResources: readonly string[],
): {
  scopes: string[]
  client: {
    client_id: string
    client_secret: string
    token_endpoint_auth_method: 'client_secret_basic'
    grant_types: string[]
    response_types: []
    redirect_uris: string[]
  }
  clientSecret: string
  policy: { clientId: string; subjectAudiences: string[]; audiences: string[] }
} {
  const audiences: string[] = []
  const scopes = new Set(config.scopes)
  config.upstreams.forEach((upstream, index) => {
    if (upstream.credential.kind !== 'exchange') return
    if (!knownResources.includes(upstream.credential.resource)) {
      throw new ConfigurationError(
        `gateway.upstreams[${String(index)}].credential.resource`,
        'must be one of authorizationServer.resources',
      )
    }
    audiences.push(upstream.credential.resource)
    const { credential } = upstream
    for (const scope of [...credential.scopes, ...(credential.stepUpScopes ?? [])])
      scopes.add(scope)
  })
  const clientSecret = randomBytes(32).toString('base64url')
  return {
    scopes: [...scopes],
    clientSecret,
    client: {
      client_id: config.clientId,
      client_secret: clientSecret,
      token_endpoint_auth_method: 'client_secret_basic' as const,
      grant_types: [TOKEN_EXCHANGE],
      response_types: [],
      redirect_uris: [],
    },
    policy: { clientId: config.clientId, subjectAudiences: [resource], audiences },
  }
}

function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T
}
