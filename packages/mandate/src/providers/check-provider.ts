import type { OAuthProviderDefinition } from '@mandate/vault'

/** One line of `mandate providers test`: never a response body (it could echo a secret). */
export interface ProviderCheck {
  ok: boolean
  what: string
  detail: string
}

const TIMEOUT_MS = 15_000 // a generous bound on one request, not a speed requirement
const ERROR_CODE = /^[a-z_]{1,64}$/
// How each endpoint is probed: the token endpoint with an empty code exchange (must be an OAuth
// error, RFC 6749 §5.2); the revocation endpoint takes only POST (RFC 7009 §2.1), so a POST
// without a token must be refused but answered; the others with a GET.
const PROBES: Partial<Record<string, Probe>> = {
  token_endpoint: 'token',
  revocation_endpoint: 'post',
}
type Probe = 'get' | 'post' | 'token'

/**
 * Checks that a provider's metadata and endpoints are reachable and well-formed, through the
 * given (SSRF-safe) fetch: discovery (RFC 8414 §3 / OpenID Discovery §4, the issuer must match,
 * §3.3), the authorization endpoint answers, the token endpoint answers an empty request with
 * an OAuth error (RFC 6749 §5.2), the revocation and userinfo endpoints exist.
 */
export async function checkProvider(
  definition: OAuthProviderDefinition,
  fetchImpl: typeof fetch,
): Promise<ProviderCheck[]> {
  const checks: ProviderCheck[] = []
  const endpoints: Partial<Record<string, string>> = {
    authorization_endpoint: definition.authorization_endpoint,
    token_endpoint: definition.token_endpoint,
    revocation_endpoint: definition.revocation_endpoint,
    userinfo_endpoint: definition.userinfo_endpoint,
  }
  if (definition.discovery === true) {
    const discovered = await discover(definition, fetchImpl, checks)
    for (const name of Object.keys(endpoints)) {
      const value = discovered?.[name]
      if (endpoints[name] === undefined && typeof value === 'string') endpoints[name] = value
    }
  }
  for (const [name, url] of Object.entries(endpoints)) {
    if (url === undefined) continue
    checks.push(await probe(name, url, fetchImpl, PROBES[name] ?? 'get'))
  }
  if (endpoints['authorization_endpoint'] === undefined)
    checks.push({ ok: false, what: 'authorization_endpoint', detail: 'missing' })
  if (endpoints['token_endpoint'] === undefined)
    checks.push({ ok: false, what: 'token_endpoint', detail: 'missing' })
  return checks
}

async function discover(
  definition: OAuthProviderDefinition,
  fetchImpl: typeof fetch,
  checks: ProviderCheck[],
): Promise<Record<string, unknown> | undefined> {
  const issuer = new URL(definition.issuer)
  const suffix = definition.kind === 'oidc' ? 'openid-configuration' : 'oauth-authorization-server'
  // OpenID Discovery §4 appends to the issuer's path; RFC 8414 §3.1 inserts before it.
  const path = issuer.pathname.replace(/\/$/, '')
  const url =
    definition.kind === 'oidc'
      ? new URL(`${path}/.well-known/${suffix}`, issuer)
      : new URL(`/.well-known/${suffix}${path}`, issuer)
  try {
    const response = await fetchImpl(url, { signal: AbortSignal.timeout(TIMEOUT_MS) })
    if (response.status !== 200) {
      await response.body?.cancel()
      checks.push({
        ok: false,
        what: 'discovery',
        detail: `${url.href} answered HTTP ${String(response.status)}`,
      })
      return undefined
    }
    const metadata = (await response.json()) as Record<string, unknown>
    const ok = metadata['issuer'] === definition.issuer
    checks.push({
      ok,
      what: 'discovery',
      detail: ok ? url.href : `${url.href}: issuer does not match ${definition.issuer}`,
    })
    return ok ? metadata : undefined
  } catch (error) {
    checks.push({ ok: false, what: 'discovery', detail: `${url.href}: ${reason(error)}` })
    return undefined
  }
}

async function probe(
  what: string,
  url: string,
  fetchImpl: typeof fetch,
  kind: Probe,
): Promise<ProviderCheck> {
  const token = kind === 'token'
  try {
    const response = await fetchImpl(url, {
      method: kind === 'get' ? 'GET' : 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
      headers: { accept: 'application/json' },
      ...(token
        ? {
            body: new URLSearchParams({ grant_type: 'authorization_code', code: 'mandate-test' }),
          }
        : kind === 'post'
          ? { body: new URLSearchParams() }
          : {}),
    })
    const status = `HTTP ${String(response.status)}`
    if (!token) {
      await response.body?.cancel()
      const ok = response.status < 500 && response.status !== 404
      return { ok, what, detail: `${url} (${status})` }
    }
    // An empty exchange must be refused with an OAuth error (some providers answer 200).
    const body = (await response.text()).slice(0, 65_536)
    const code = oauthError(body, response.headers.get('content-type') ?? '')
    return code === undefined
      ? { ok: false, what, detail: `${url} (${status}, not an OAuth error response)` }
      : { ok: true, what, detail: `${url} (${status}, error=${code})` }
  } catch (error) {
    return { ok: false, what, detail: `${url}: ${reason(error)}` }
  }
}

function oauthError(body: string, contentType: string): string | undefined {
  let code: unknown
  try {
    code = contentType.includes('json')
      ? (JSON.parse(body) as Record<string, unknown>)['error']
      : new URLSearchParams(body).get('error')
  } catch {
    return undefined
  }
  return typeof code === 'string' && ERROR_CODE.test(code) ? code : undefined
}

function reason(error: unknown): string {
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string') return code
  const name = (error as { name?: unknown }).name
  return name === 'TimeoutError' ? 'timed out' : 'unreachable'
}
