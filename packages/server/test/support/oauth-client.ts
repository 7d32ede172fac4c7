// An in-memory OAuthClientProvider for the official SDK v2 client, and the loop that drives
// the full flow: 401 → discovery → DCR → authorize (PKCE, resource) → token → retry.
import { DpopSession } from '@modelcontextprotocol/client'
import type { OAuthClientProvider } from '@modelcontextprotocol/client'
import type { TestAuthorizationServer } from './oidc-as.ts'

type Provider = OAuthClientProvider
type Tokens = Awaited<ReturnType<Provider['tokens']>>
type ClientInfo = Awaited<ReturnType<Provider['clientInformation']>>

export const REDIRECT_URL = 'http://127.0.0.1:9/callback'

export class TestOAuthProvider implements Provider {
  #tokens: Tokens
  #client: ClientInfo
  #verifier = ''
  #dpop: Promise<DpopSession> | undefined
  /** The last authorization URL the SDK asked the user to open. */
  lastAuthorizationUrl: URL | undefined

  constructor(options: { dpop?: boolean } = {}) {
    if (options.dpop === true) this.#dpop = DpopSession.create()
  }

  get redirectUrl(): string {
    return REDIRECT_URL
  }
  get clientMetadata() {
    return {
      client_name: 'mandate test client',
      redirect_uris: [REDIRECT_URL],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    }
  }
  clientInformation(): ClientInfo {
    return this.#client
  }
  saveClientInformation(info: NonNullable<ClientInfo>): void {
    this.#client = info
  }
  tokens(): Tokens {
    return this.#tokens
  }
  saveTokens(tokens: NonNullable<Tokens>): void {
    this.#tokens = tokens
  }
  redirectToAuthorization(url: URL): void {
    this.lastAuthorizationUrl = url
  }
  saveCodeVerifier(verifier: string): void {
    this.#verifier = verifier
  }
  codeVerifier(): string {
    return this.#verifier
  }
  dpop(): Promise<DpopSession> | undefined {
    return this.#dpop
  }
  /** Forgets the tokens, as a host does before a fresh authorization (RFC 9470 step-up). */
  forgetTokens(): void {
    this.#tokens = undefined
  }
  /** The current access token, for negative tests that replay it by hand. */
  get accessToken(): string | undefined {
    return this.#tokens?.access_token
  }
}

/**
 * Runs `attempt` and, whenever the SDK reports that the user must authorise, completes the
 * authorization at the test AS and calls `finishAuth`, then tries again (at most `max` times).
 */
export async function withAuthorization<T>(
  as: TestAuthorizationServer,
  provider: TestOAuthProvider,
  finishAuth: (redirect: URL) => Promise<void>,
  attempt: () => Promise<T>,
  max = 3,
): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt()
    } catch (error) {
      // Both SDK generations throw a class of this name when the user must authorise.
      const unauthorized = error instanceof Error && error.constructor.name === 'UnauthorizedError'
      if (!unauthorized || i >= max || provider.lastAuthorizationUrl === undefined) {
        throw error
      }
      const redirect = await as.authorize(provider.lastAuthorizationUrl)
      provider.lastAuthorizationUrl = undefined
      await finishAuth(redirect)
    }
  }
}
