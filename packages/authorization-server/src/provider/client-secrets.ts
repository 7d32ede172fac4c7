import type Provider from 'oidc-provider'
import type { Middleware } from 'koa'
import { clientSecretMatches, isHashedClientSecret } from '../clients/client-secret.ts'
import { ROUTES } from './routes.ts'

/**
 * Installs the comparison on this provider's Client class (oidc-provider calls
 * `client.compareClientSecret` for client_secret_basic and client_secret_post, RFC 6749
 * §2.3.1), and keeps the stored hash out of the RFC 7592 read response (it is no secret the
 * client could use; the client keeps the one it was issued).
 */
export function protectClientSecrets(provider: Provider): void {
  provider.Client.prototype.compareClientSecret = function compareClientSecret(actual: string) {
    return clientSecretMatches(this.clientSecret, actual)
  }
  provider.use(omitStoredSecret())
}

function omitStoredSecret(): Middleware {
  return async (ctx, next) => {
    await next()
    if (ctx.method !== 'GET' || !ctx.path.startsWith(`${ROUTES.registration}/`)) return
    const body = ctx.body as Record<string, unknown> | undefined
    if (
      typeof body?.['client_secret'] === 'string' &&
      isHashedClientSecret(body['client_secret'])
    ) {
      const rest = { ...body }
      delete rest['client_secret']
      ctx.body = rest
    }
  }
}
