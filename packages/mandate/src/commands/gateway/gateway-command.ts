import { once } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { ConfigurationError, createLogger } from '@mandate/core'
import type { Logger } from '@mandate/core'
import { createGateway } from '@mandate/gateway'
import type { Gateway, GatewayOptions, UpstreamOptions } from '@mandate/gateway'
import { loadConfig } from '../../config/load-config.ts'
import type { MandateConfig } from '../../config/schema.ts'
import { parseGlobalFlags } from '../../cli/global-flags.ts'
import { line } from '../../cli/output.ts'
import type { CommandIo } from '../../cli/output.ts'
import { gatewayUpstreams } from '../../gateway/gateway-config.ts'
import { standaloneRevocation } from '../../gateway/standalone-revocation.ts'
import { readSecretFile } from '../../providers/load-providers.ts'
import { KEEP_ALIVE_TIMEOUT_MS } from '../../serve/keep-alive.ts'

/** `mandate gateway --help`. */
export const GATEWAY_USAGE = `Usage: mandate gateway [flags]

Runs the MCP gateway alone (docs/gateway.md), in front of the upstreams of the "gateway" section
of the --config file, for an authorization server elsewhere (gateway.issuer). Callers present
tokens for <publicUrl><gateway.path>; exchange upstreams get tokens through RFC 8693 as the
confidential client gateway.clientId (secret in gateway.clientSecretFile). Upstreams with linked
accounts ("vault") need the account-linking pages: serve those with \`mandate serve\`.
Revoked tokens are refused as soon as the authorization server's signed revocation feed says so
(read as gateway.clientId, which must be one of the gateway resource's introspectionClients);
while the feed cannot be read for gateway.revocation.staleAfterMs every token is refused.
SIGHUP reloads the policies from the configuration file. Stops on SIGTERM or Ctrl-C.

Flags: --config <file>, --host, --port, --public-url, --log-level (see mandate serve --help).`

/**
 * `mandate gateway`: the gateway on its own port, no database, for an authorization server
 * elsewhere. SIGHUP reloads the policies; SIGTERM/SIGINT stop it.
 *
 * @example
 * ```sh
 * mandate gateway --config gateway.json --port 8080
 * ```
 */
export async function gatewayCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const flags = parseGlobalFlags(argv)
  const load = (): MandateConfig =>
    loadConfig({
      ...(flags.config === undefined ? {} : { file: flags.config }),
      env: io.env,
      flags: flags.settings,
    }).config
  const config = load()
  const settings = gatewaySettings(config.gateway)
  const logger = createLogger({ level: config.log.level })
  // Checked before the port is bound: a configuration error must not leave a listener behind.
  const revocation = standaloneRevocation(config.gateway, settings.issuer, logger)
  const listener = await listen(config)
  const resource = new URL(config.gateway.path, listener.publicUrl).href
  const gateway = await createGatewayOrClose(listener, async () =>
    createGateway({ ...(await gatewayOptions(config, settings, resource, logger)), ...revocation }),
  )
  listener.handler = (request) => gateway.fetch(request)
  line(io.stderr, `mandate gateway: ${resource} (${String(settings.upstreams.length)} upstreams)`)
  const reload = policyReloader(load, gateway, logger)
  process.on('SIGHUP', reload)
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', resolve)
    process.once('SIGINT', resolve)
  })
  logger.info('signal received', { signal })
  process.off('SIGHUP', reload)
  listener.server.close()
  listener.server.closeAllConnections()
  await gateway.close()
  return 0
}

/** A failure after the port is bound (e.g. the AS unreachable) must not leave a listener behind. */
async function createGatewayOrClose(
  listener: Listener,
  build: () => Promise<Gateway>,
): Promise<Gateway> {
  try {
    return await build()
  } catch (error) {
    listener.server.close()
    listener.server.closeAllConnections()
    throw error
  }
}

interface GatewaySettings {
  issuer: string
  upstreams: UpstreamOptions[]
  /** Some upstream gets its credential by token exchange. */
  exchange: boolean
}

/** What the gateway alone can serve: an issuer, no linked accounts, a secret for exchanges. */
function gatewaySettings(section: MandateConfig['gateway']): GatewaySettings {
  if (section.issuer === undefined)
    throw new ConfigurationError('gateway.issuer', 'gateway.issuer is required')
  const upstreams = gatewayUpstreams(section)
  if (upstreams.some((u) => u.credential.kind === 'vault')) {
    throw new ConfigurationError(
      'gateway.upstreams',
      'vault credentials need `mandate serve` (account linking)',
    )
  }
  const exchange = upstreams.some((u) => u.credential.kind === 'exchange')
  if (exchange && section.clientSecretFile === undefined) {
    throw new ConfigurationError(
      'gateway.clientSecretFile',
      'token exchange needs the client secret',
    )
  }
  return { issuer: section.issuer, upstreams, exchange }
}

interface Listener {
  server: Server
  publicUrl: URL
  /** Serves requests once set; until then every request gets 503 `starting`. */
  handler?: (request: Request) => Promise<Response>
}

/** Binds the port first, so that `--port 0` knows its URL before the gateway is built. */
async function listen(config: MandateConfig): Promise<Listener> {
  const listener: Partial<Listener> = {}
  const server = serve({
    fetch: (request) =>
      listener.handler?.(request) ?? Response.json({ status: 'starting' }, { status: 503 }),
    hostname: config.server.host,
    port: config.server.port,
    serverOptions: { keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS },
  }) as Server
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  const publicUrl = new URL(
    config.server.publicUrl ?? `http://${config.server.host}:${String(port)}`,
  )
  return Object.assign(listener, { server, publicUrl })
}

async function gatewayOptions(
  config: MandateConfig,
  settings: GatewaySettings,
  resource: string,
  logger: Logger,
): Promise<GatewayOptions> {
  const section = config.gateway
  return {
    resource,
    authorizationServers: [settings.issuer],
    verifier: { jwt: { issuers: [{ issuer: settings.issuer }] } },
    logger,
    upstreams: settings.upstreams,
    scopesSupported: section.scopes,
    challengeScopes: section.scopes,
    sessionIdleMs: section.sessionIdleMs,
    maxSessions: section.maxSessions,
    ...(settings.exchange
      ? {
          tokenExchange: {
            tokenEndpoint: section.tokenEndpoint ?? (await discoverTokenEndpoint(settings.issuer)),
            clientId: section.clientId,
            clientSecret: readSecretFile(
              section.clientSecretFile ?? '',
              'gateway.clientSecretFile',
            ),
          },
        }
      : {}),
  }
}

/** SIGHUP: read the configuration again and swap the policies (nothing else) atomically. */
function policyReloader(load: () => MandateConfig, gateway: Gateway, logger: Logger) {
  return (): void => {
    try {
      const policies = Object.fromEntries(
        gatewayUpstreams(load().gateway).map((u) => [u.name, u.policy]),
      )
      gateway.reloadPolicies(policies)
    } catch (error) {
      logger.error('gateway policy reload failed; the previous policies stay', {
        error: (error as Error).message,
      })
    }
  }
}

/** RFC 8414 §3: the token endpoint from the issuer's metadata. */
async function discoverTokenEndpoint(issuer: string): Promise<string> {
  const url = new URL('/.well-known/oauth-authorization-server', issuer)
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) }).catch(() => {
    throw new ConfigurationError('gateway.issuer', `cannot reach ${url.origin}`)
  })
  const metadata = (await response.json().catch(() => ({}))) as { token_endpoint?: unknown }
  if (!response.ok || typeof metadata.token_endpoint !== 'string') {
    throw new ConfigurationError('gateway.issuer', `no token endpoint in ${url.href}`)
  }
  return metadata.token_endpoint
}
