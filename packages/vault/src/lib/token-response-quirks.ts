import type { OAuthProviderDefinition } from '../providers/provider-definition.ts'

const MAX_BODY = 1_048_576

/**
 * Rewrites a provider's non-standard token endpoint response into RFC 6749 §5.1/§5.2 form
 * before oauth4webapi reads it, for providers whose definition names the quirk:
 * - `error_as_200`: errors come with HTTP 200 and an `error` member (GitHub, "Troubleshooting
 *   OAuth app access token request errors"): answered as 400, so a dead refresh token becomes
 *   `invalid_grant` handling instead of a transient failure.
 * - `slack_authed_user`: `ok: false` with HTTP 200 for errors, and the user token nested in
 *   `authed_user` with `token_type: "user"` (Slack, "Installing with OAuth", oauth.v2.access).
 */
export async function normaliseTokenResponse(
  definition: OAuthProviderDefinition,
  url: string,
  response: Response,
): Promise<Response> {
  const quirk = definition.token_response
  if (quirk === undefined || quirk === 'rfc6749' || url !== definition.token_endpoint)
    return response
  if (response.status !== 200 || !(response.headers.get('content-type') ?? '').includes('json'))
    return response
  const text = await response.text()
  let body: Record<string, unknown>
  try {
    body = JSON.parse(text.slice(0, MAX_BODY)) as Record<string, unknown>
  } catch {
    return rebuilt(text, 200)
  }
  if (typeof body['error'] === 'string' && (quirk === 'error_as_200' || body['ok'] === false)) {
    return rebuilt(JSON.stringify({ error: toOAuthError(body['error']) }), 400)
  }
  if (quirk === 'slack_authed_user') {
    const user = body['authed_user'] as Record<string, unknown> | undefined
    // A user-token grant: the user's token is the credential, never the app's bot token.
    const source = typeof user?.['access_token'] === 'string' ? user : body
    const lifted: Record<string, unknown> = { ...source, token_type: 'bearer' }
    delete lifted['authed_user']
    return rebuilt(JSON.stringify(lifted), 200)
  }
  return rebuilt(text, 200)
}

function rebuilt(body: string, status: number): Response {
  return new Response(body, { status, headers: { 'content-type': 'application/json' } })
}

/** Providers' own refresh errors mean what RFC 6749 §5.2 calls `invalid_grant`. */
function toOAuthError(code: string): string {
  if (
    /^(bad_refresh_token|bad_verification_code|invalid_refresh_token|invalid_code|token_revoked|token_expired)$/.test(
      code,
    )
  )
    return 'invalid_grant'
  return /^[a-z_]{1,64}$/.test(code) ? code : 'invalid_request'
}
