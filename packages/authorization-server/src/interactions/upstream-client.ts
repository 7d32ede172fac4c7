import * as oauth from 'oauth4webapi'
import type { AuthorizationServerOptions, UpstreamIdpOptions } from '../options.ts'
import { outboundFetch } from '../lib/outbound-fetch.ts'

/** oauth4webapi's per-request options: the SSRF-safe fetch, and plain HTTP in development. */
function requestOptionsOf(options: AuthorizationServerOptions, dev: boolean) {
  // Every request to the upstream (discovery, token, userinfo) goes through the SSRF-safe fetch:
  // hosts are resolved and classified before connecting (issue 11 #12).
  const send = outboundFetch(options, { allowAnyHost: dev, allowHttp: dev })
  return {
    [oauth.customFetch]: (url: string, init: oauth.CustomFetchOptions<string, unknown>) =>
      send(url, init as RequestInit),
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- opt-in, development and tests only
    ...(dev ? { [oauth.allowInsecureRequests]: true } : {}),
  }
}
type RequestOptions = ReturnType<typeof requestOptionsOf>

/**
 * Our client at the upstream OpenID provider, resolved once from the options: its
 * registration, the callback URL, how requests are sent, and the provider's metadata
 * (discovered on first use, again after a failure).
 */
export interface UpstreamClient {
  readonly settings: UpstreamIdpOptions
  readonly callbackUrl: string
  readonly client: oauth.Client
  readonly clientAuth: oauth.ClientAuth
  readonly requestOptions: RequestOptions
  readonly discover: () => Promise<oauth.AuthorizationServer>
}

/** Builds the {@link UpstreamClient} of `options.upstream` (which must be set). */
export function upstreamClient(options: AuthorizationServerOptions): UpstreamClient {
  const settings = options.upstream as UpstreamIdpOptions
  const requestOptions = requestOptionsOf(options, settings.allowInsecure === true)
  let metadata: Promise<oauth.AuthorizationServer> | undefined
  const discover = (): Promise<oauth.AuthorizationServer> => {
    metadata ??= (async () => {
      const issuer = new URL(settings.issuer)
      const response = await oauth.discoveryRequest(issuer, {
        algorithm: 'oidc',
        ...requestOptions,
      })
      return oauth.processDiscoveryResponse(issuer, response)
    })().catch((error: unknown) => {
      metadata = undefined
      throw error
    })
    return metadata
  }
  return Object.freeze({
    settings,
    callbackUrl: `${options.issuer}/oauth/upstream/callback`,
    client: { client_id: settings.clientId },
    clientAuth:
      settings.clientSecret === undefined
        ? oauth.None()
        : oauth.ClientSecretBasic(settings.clientSecret),
    requestOptions,
    discover,
  })
}

/** The profile claims Mandate keeps, when they are strings. */
function pick(source: Record<string, unknown>): { email?: string; name?: string } {
  const email = source['email']
  const name = source['name']
  return {
    ...(typeof email === 'string' ? { email } : {}),
    ...(typeof name === 'string' ? { name } : {}),
  }
}

/**
 * `email` and `name` from the ID token or, when it lacks them (OIDC Core §5.4: with the code
 * flow providers usually return scope claims from userinfo only), from the userinfo endpoint.
 * oauth4webapi refuses a userinfo response whose `sub` differs from the ID token's (OIDC Core
 * §5.3.2), so another user's claims can never be attached to this identity.
 */
export async function profileClaims(
  up: UpstreamClient,
  as: oauth.AuthorizationServer,
  claims: oauth.IDToken,
  accessToken: string,
): Promise<{ email?: string; name?: string }> {
  let source: Record<string, unknown> = claims
  if (
    (typeof claims['email'] !== 'string' || typeof claims['name'] !== 'string') &&
    as.userinfo_endpoint !== undefined
  ) {
    const response = await oauth.userInfoRequest(as, up.client, accessToken, up.requestOptions)
    const info = await oauth.processUserInfoResponse(as, up.client, claims.sub, response)
    source = { ...info, ...pick(claims) }
  }
  return pick(source)
}
