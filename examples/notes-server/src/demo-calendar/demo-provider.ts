import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ProviderClient } from '@mandate/vault'
import { demoMemoryAdapter, demoSigningKeys } from './memory-storage.ts'

/** The parts of an `oidc-provider` instance the Demo Calendar uses (typed here, loaded lazily). */
export interface DemoProvider {
  callback(): (req: IncomingMessage, res: ServerResponse) => unknown
  interactionDetails(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<{ uid: string; params: Record<string, unknown> }>
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: unknown,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<void>
  Grant: new (init: { accountId: string; clientId: string }) => {
    addOIDCScope(scope: string): void
    addResourceScope(resource: string, scope: string): void
    save(): Promise<string>
  }
  AccessToken: {
    find(
      value: string,
    ): Promise<{ accountId: string; scope?: string; isExpired: boolean } | undefined>
  }
}

// Imported by name: oidc-provider is only needed when the demo runs.
const OIDC_PROVIDER: string = 'oidc-provider'

/**
 * A real `oidc-provider` for the Demo Calendar: one confidential client (PKCE required), rotating
 * refresh tokens, RFC 7009 revocation, its own consent page at `/interaction/<uid>`.
 */
export async function createDemoProvider(
  issuer: string,
  client: ProviderClient,
  redirectUri: string,
): Promise<DemoProvider> {
  const { default: Provider } = (await import(OIDC_PROVIDER)) as {
    default: new (issuer: string, config: unknown) => DemoProvider
  }
  return new Provider(issuer, {
    adapter: demoMemoryAdapter(),
    jwks: demoSigningKeys(),
    clients: [
      {
        ...client,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    scopes: ['openid', 'offline_access', 'calendar.read'],
    claims: { openid: ['sub'] },
    features: { devInteractions: { enabled: false }, revocation: { enabled: true } },
    pkce: { required: () => true },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      Grant: 86_400 * 30,
      IdToken: 600,
      Interaction: 600,
      RefreshToken: 86_400 * 30,
      Session: 86_400,
    },
    rotateRefreshToken: true,
    issueRefreshToken: () => true,
    findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub }) }),
    interactions: {
      url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}`,
    },
    // Distinct names: cookies ignore ports, and the Mandate server may run on the same host.
    cookies: {
      keys: [randomBytes(16).toString('hex')],
      names: { session: 'demo_session', interaction: 'demo_interaction', resume: 'demo_resume' },
    },
  })
}
