// A small OAuth 2.0 server on 127.0.0.1 that answers the way one real provider documents,
// quirks included (scope separators, token response shape, client authentication, refresh
// rotation or its absence, revocation or its absence). Real HTTP, no mocks of our code.
import { createSign, generateKeyPairSync, randomBytes, createHash } from 'node:crypto'
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Quirks {
  /** How the request's `scope` (or `user_scope`) is joined, and the parameter's name. */
  scopeParameter: 'scope' | 'user_scope'
  requestSeparator: ' ' | ','
  /** How granted scopes are joined in the token response (absent: no `scope` member). */
  responseSeparator: ' ' | ',' | 'omitted'
  clientAuth: 'basic' | 'post'
  pkce: boolean
  /** Parameters the authorization request must carry. */
  requiredParams: Record<string, string>
  /** GitHub: form-encoded unless `Accept: application/json`; errors with HTTP 200. */
  github?: boolean
  /** Slack: the user token nested in `authed_user`, `ok: false` errors with HTTP 200. */
  slack?: boolean
  /** A refresh token at the code exchange. */
  refreshToken: boolean
  /** On refresh: a new refresh token that replaces the old one, or none (reusable). */
  rotation: boolean
  expiresIn?: number
  revocation: boolean
  /** Sign an ID token (OpenID providers asked for `openid`). */
  idToken?: boolean
}

export interface QuirkProvider {
  origin: string
  clientId: string
  clientSecret: string
  /** What the authorization endpoint received last. */
  lastAuthorize: URLSearchParams | undefined
  /** Token endpoint requests: grant type and the client authentication used. */
  tokenRequests: { grant: string; auth: 'basic' | 'post' | 'none'; accept: string }[]
  revoked: string[]
  issued: Set<string>
  /** Forget every refresh token (the user revoked the app at the provider). */
  dropRefreshTokens(): void
  close(): Promise<void>
}

export async function startQuirkProvider(quirks: Quirks): Promise<QuirkProvider> {
  const clientId = `client-${randomBytes(4).toString('hex')}`
  const clientSecret = randomBytes(16).toString('hex')
  const codes = new Map<string, { scope: string; challenge?: string; nonce?: string }>()
  const refreshTokens = new Map<string, string>() // token → scope
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`
  const state: QuirkProvider = {
    origin,
    clientId,
    clientSecret,
    lastAuthorize: undefined,
    tokenRequests: [],
    revoked: [],
    issued: new Set(),
    dropRefreshTokens: () => {
      refreshTokens.clear()
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => {
          resolve()
        })
      }),
  }
  const token = (prefix: string) => {
    const value = `${prefix}_${randomBytes(16).toString('hex')}`
    state.issued.add(value)
    return value
  }
  const send = (req: IncomingMessage, res: ServerResponse, status: number, body: object) => {
    const accept = req.headers.accept ?? ''
    if (quirks.github === true && !accept.includes('application/json')) {
      const form = new URLSearchParams(body as Record<string, string>).toString()
      res.writeHead(status, { 'content-type': 'application/x-www-form-urlencoded' }).end(form)
      return
    }
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  }
  const error = (req: IncomingMessage, res: ServerResponse, code: string) => {
    if (quirks.slack === true) send(req, res, 200, { ok: false, error: code })
    else if (quirks.github === true) send(req, res, 200, { error: code, error_description: 'x' })
    else send(req, res, 400, { error: code })
  }
  const scopeOut = (scope: string): Record<string, string> =>
    quirks.responseSeparator === 'omitted'
      ? {}
      : { scope: scope.split(/[ ,]/).join(quirks.responseSeparator) }
  const tokens = (scope: string, refresh: string | undefined, nonce?: string) => {
    const body: Record<string, unknown> = {
      access_token: token('at'),
      token_type: quirks.slack === true ? 'user' : 'bearer',
      ...scopeOut(scope),
      ...(quirks.expiresIn === undefined ? {} : { expires_in: quirks.expiresIn }),
      ...(refresh === undefined ? {} : { refresh_token: refresh }),
    }
    if (quirks.idToken === true && nonce !== undefined) body['id_token'] = idToken(nonce)
    return quirks.slack === true
      ? { ok: true, app_id: 'A1', team: { id: 'T1' }, authed_user: { id: 'U1', ...body } }
      : body
  }
  const idToken = (nonce: string) => {
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
    const now = Math.floor(Date.now() / 1000)
    const input = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ iss: origin, aud: clientId, sub: 'user-1', iat: now, exp: now + 300, nonce })}`
    return `${input}.${createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url')}`
  }
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', origin)
    if (req.method === 'GET' && url.pathname === '/authorize') {
      const params = url.searchParams
      state.lastAuthorize = params
      const ok =
        params.get('client_id') === clientId &&
        params.get('response_type') === 'code' &&
        Object.entries(quirks.requiredParams).every(([k, v]) => params.get(k) === v) &&
        (params.get('code_challenge') !== null) === quirks.pkce
      const redirect = new URL(params.get('redirect_uri') ?? origin)
      redirect.searchParams.set('state', params.get('state') ?? '')
      if (!ok) redirect.searchParams.set('error', 'invalid_request')
      else {
        const code = token('code')
        const entry: { scope: string; challenge?: string; nonce?: string } = {
          scope: params.get(quirks.scopeParameter) ?? '',
        }
        const challenge = params.get('code_challenge')
        if (challenge !== null) entry.challenge = challenge
        const nonce = params.get('nonce')
        if (nonce !== null) entry.nonce = nonce
        codes.set(code, entry)
        redirect.searchParams.set('code', code)
      }
      res.writeHead(302, { location: redirect.href }).end()
      return
    }
    let raw = ''
    req.setEncoding('utf8').on('data', (chunk: string) => (raw += chunk))
    req.on('end', () => {
      answer(req, res, url, new URLSearchParams(raw))
    })
  })
  const answer = (req: IncomingMessage, res: ServerResponse, url: URL, form: URLSearchParams) => {
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1]
    const auth = basic !== undefined ? 'basic' : form.has('client_secret') ? 'post' : 'none'
    const [id, secret] =
      basic !== undefined
        ? Buffer.from(basic, 'base64').toString().split(':').map(decodeURIComponent)
        : [form.get('client_id'), form.get('client_secret')]
    const clientOk = auth === quirks.clientAuth && id === clientId && secret === clientSecret
    if (url.pathname === '/revoke' && quirks.revocation) {
      if (!clientOk) {
        error(req, res, 'invalid_client')
        return
      }
      state.revoked.push(form.get('token') ?? '')
      res.writeHead(200).end()
      return
    }
    if (url.pathname !== '/token') {
      res.writeHead(404).end()
      return
    }
    const grant = form.get('grant_type') ?? ''
    state.tokenRequests.push({ grant, auth, accept: req.headers.accept ?? '' })
    if (!clientOk) {
      error(req, res, 'invalid_client')
      return
    }
    if (grant === 'authorization_code') {
      const entry = codes.get(form.get('code') ?? '')
      codes.delete(form.get('code') ?? '')
      const verifier = form.get('code_verifier')
      const pkceOk =
        entry?.challenge === undefined ||
        (verifier !== null &&
          createHash('sha256').update(verifier).digest('base64url') === entry.challenge)
      if (entry === undefined || !pkceOk) {
        error(req, res, quirks.github === true ? 'bad_verification_code' : 'invalid_grant')
        return
      }
      const refresh = quirks.refreshToken ? token('rt') : undefined
      if (refresh !== undefined) refreshTokens.set(refresh, entry.scope)
      send(req, res, 200, tokens(entry.scope, refresh, entry.nonce))
      return
    }
    if (grant !== 'refresh_token') {
      error(req, res, 'unsupported_grant_type')
      return
    }
    const presented = form.get('refresh_token') ?? ''
    const scope = refreshTokens.get(presented)
    if (scope === undefined) {
      error(req, res, quirks.github === true ? 'bad_refresh_token' : 'invalid_grant')
      return
    }
    let next: string | undefined
    if (quirks.rotation) {
      refreshTokens.delete(presented)
      next = token('rt')
      refreshTokens.set(next, scope)
    }
    const body = tokens(scope, next)
    // Slack answers a refresh at the top level (Slack: Using token rotation).
    const slack = { ok: true, ...(body as { authed_user: object }).authed_user }
    send(req, res, 200, quirks.slack === true ? slack : body)
  }
  return state
}
