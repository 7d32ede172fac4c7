import type { Hono } from 'hono'
import { getRequestListener } from '@hono/node-server'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type Provider from 'oidc-provider'
import { resolveAuthorizationServerConfig } from './config/resolve-config.ts'
import { rotateSigningKey } from './keys/signing-keys.ts'
import type { RotateSigningKeyOptions } from './keys/signing-keys.ts'
import type { AuthorizationServerOptions } from './options.ts'
import { auditEmitter } from './server/audit-emitter.ts'
import type { ServerEnv } from './server/forward-to-provider.ts'
import { openInstallationSecrets } from './server/installation-secrets.ts'
import { authorizationServerApp } from './server/mount-routes.ts'
import { ProviderRuntime } from './server/provider-runtime.ts'
import type { ProviderBase } from './server/provider-runtime.ts'
import { revokeGrantEverywhere } from './server/revoke-grant.ts'
import { Users } from './users/users.ts'

/** A running authorization server: its routes, its operator functions, and `close`. */
export interface AuthorizationServer {
  /** The issuer (public URL). */
  readonly issuer: string
  /**
   * A Hono app with every route of the authorization server. Mount it at the root of an app
   * served by `@hono/node-server` (`app.route('/', server.app)`): protocol routes are handed
   * to oidc-provider on the raw Node request, which needs `c.env.incoming/outgoing`.
   */
  readonly app: Hono<ServerEnv>
  /** Path prefixes the app owns (for the host's routing and docs). */
  readonly paths: readonly string[]
  /** The same routes as a plain Node `(req, res)` handler. */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void
  /** Operator functions behind `mandate users …`. */
  readonly users: Users
  /** The oidc-provider instance currently serving (replaced when signing keys change). */
  provider(): Provider
  /** Starts a signing-key rotation on every instance (catalogue #82). Returns the new `kid`. */
  rotateSigningKey(options?: RotateSigningKeyOptions): Promise<string>
  /** Revokes a grant and every token issued under it. */
  revokeGrant(grantId: string): Promise<void>
  /** Stops the server's timers and subscriptions (the store stays open). */
  close(): Promise<void>
}

/** Path prefixes the server's app owns. */
const SERVER_PATHS = Object.freeze([
  '/oauth/',
  '/account',
  '/admin',
  '/assets/',
  '/.well-known/oauth-authorization-server',
  '/.well-known/openid-configuration',
])

/**
 * Builds the authorization server on the given store (migrations must have been applied), in
 * order: resolve and check the options (`ERR_AS_CONFIG`), open the installation's secrets,
 * build the oidc-provider instance with the current signing keys (rebuilt when they change),
 * mount the routes.
 *
 * @example
 * ```ts
 * const as = await createAuthorizationServer({
 *   issuer: 'https://auth.example.com',
 *   store, // from openStore(), migrated
 *   keys: vault.keys,
 *   resources: { 'https://mcp.example.com/mcp': { scopes: ['notes:read', 'notes:write'] } },
 * })
 * app.route('/', as.app) // a Hono app served by @hono/node-server
 * ```
 */
export async function createAuthorizationServer(
  options: AuthorizationServerOptions,
): Promise<AuthorizationServer> {
  const config = resolveAuthorizationServerConfig(options)
  const base: ProviderBase = {
    config,
    users: new Users(config.store, config.keys),
    secrets: await openInstallationSecrets(config),
    emit: auditEmitter(config),
  }
  const runtime = await ProviderRuntime.start(base)
  const app = authorizationServerApp(base, runtime)
  return serverHandle(base, app, runtime)
}

function serverHandle(
  { config, users }: ProviderBase,
  app: Hono<ServerEnv>,
  runtime: ProviderRuntime,
): AuthorizationServer {
  const listener = getRequestListener(app.fetch)
  return {
    issuer: config.issuer,
    app,
    paths: SERVER_PATHS,
    handler: (req, res) => {
      void listener(req, res)
    },
    users,
    provider: () => runtime.provider,
    rotateSigningKey: (rotation) => rotateSigningKey(config.store, config.keys, rotation),
    revokeGrant: (grantId) => revokeGrantEverywhere(runtime.provider, grantId),
    close: () => {
      runtime.close()
      return Promise.resolve()
    },
  }
}
