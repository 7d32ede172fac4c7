import { Hono } from 'hono'
import type { Context } from 'hono'
import type { HttpBindings } from '@hono/node-server'
import type Provider from 'oidc-provider'
import type { InteractionResults } from 'oidc-provider'
import type { Users } from '../users/users.ts'
import type { AuthorizationServerOptions } from '../options.ts'
import { ACR_MFA, ACR_PASSWORD, INTERACTION_PATH } from '../provider/build-provider.ts'
import type { ProviderContext } from '../provider/build-provider.ts'
import { csrfToken, csrfValid, signStep, verifyStep } from '../lib/step-token.ts'
import { otpauthUri } from '../lib/totp.ts'
import { qrCodeSvg } from '../lib/qr-code.ts'
import { enrolPage, loginPage, recoveryCodesPage, totpPage } from '../pages/login-pages.ts'
import { consentPage } from '../pages/consent-page.ts'
import { renderErrorPage } from '../pages/error-page.ts'

type Env = { Bindings: HttpBindings }
type Details = Awaited<ReturnType<Provider['interactionDetails']>>

const STEP_TTL_MS = 10 * 60_000

export interface InteractionDeps {
  provider: () => Provider
  users: Users
  options: AuthorizationServerOptions
  secret: string
  emit: ProviderContext['emit']
  upstreamStart?: (c: Context<Env>, uid: string) => Promise<Response>
}

/** Login, second factor and consent pages that oidc-provider sends the browser to. */
export function interactionRoutes(deps: InteractionDeps): Hono<Env> {
  const app = new Hono<Env>()
  const { users, secret, emit } = deps

  const details = async (c: Context<Env>): Promise<Details | undefined> => {
    try {
      const found = await deps.provider().interactionDetails(c.env.incoming, c.env.outgoing)
      return found.uid === c.req.param('uid') ? found : undefined
    } catch {
      return undefined
    }
  }
  const finish = async (c: Context<Env>, result: InteractionResults): Promise<Response> => {
    const to = await deps.provider().interactionResult(c.env.incoming, c.env.outgoing, result, {
      mergeWithLastSubmission: false,
    })
    // 303, never 307: the browser must not re-POST the form (RFC 9700 §4.12, catalogue #15).
    return c.redirect(to, 303)
  }
  const expired = (c: Context<Env>): Response =>
    c.html(
      renderErrorPage(
        'login_expired',
        'This sign-in request expired. Start again from the application.',
      ),
      400,
    )
  const base = (uid: string): string => `${INTERACTION_PATH}/${uid}`
  const wantsMfa = (d: Details): boolean =>
    paramString(d.params['acr_values']).split(' ').includes(ACR_MFA)

  const form = async (
    c: Context<Env>,
    uid: string,
  ): Promise<Record<string, string> | undefined> => {
    const body = await c.req.parseBody()
    if (!csrfValid(secret, uid, body['csrf'])) return undefined
    const out: Record<string, string> = {}
    for (const [key, value] of Object.entries(body)) if (typeof value === 'string') out[key] = value
    return out
  }

  const loginView = (d: Details, error?: string): string =>
    loginPage({
      action: `${base(d.uid)}/login`,
      csrf: csrfToken(secret, d.uid),
      stepUp: wantsMfa(d),
      ...(error === undefined ? {} : { error }),
      ...(deps.options.upstream === undefined
        ? {}
        : { upstream: { name: deps.options.upstream.name, action: `${base(d.uid)}/upstream` } }),
    })

  app.get('/:uid', async (c) => {
    const d = await details(c)
    if (d === undefined) return expired(c)
    if (d.prompt.name === 'login') return c.html(loginView(d))
    if (d.prompt.name === 'consent') return c.html(await consentView(deps.provider(), d, secret))
    return c.html(renderErrorPage('interaction_required', 'Unsupported step.'), 400)
  })

  app.post('/:uid/login', async (c) => {
    const d = await details(c)
    if (d === undefined) return expired(c)
    const body = await form(c, d.uid)
    if (body === undefined)
      return c.html(renderErrorPage('invalid_request', 'The form expired. Try again.'), 403)
    const username = body['username'] ?? ''
    const result = await users.verifyLogin(username, body['password'] ?? '')
    if (!result.ok) {
      emit({ type: 'login.failed', username: username.slice(0, 200), reason: result.reason })
      const message =
        result.reason === 'locked'
          ? 'Too many attempts. Try again later.'
          : 'Wrong username or password.'
      return c.html(loginView(d, message), 401)
    }
    const user = result.user
    const step = signStep(secret, {
      uid: d.uid,
      sub: user.id,
      amr: ['pwd'],
      exp: Date.now() + STEP_TTL_MS,
    })
    if (user.mfa) {
      return c.html(
        totpPage({ action: `${base(d.uid)}/totp`, csrf: csrfToken(secret, d.uid), step }),
      )
    }
    if (wantsMfa(d)) {
      const secretKey = await users.beginTotp(user.id)
      const otpauth = otpauthUri(secretKey, new URL(deps.options.issuer).host, user.username)
      return c.html(
        enrolPage({
          action: `${base(d.uid)}/enrol`,
          csrf: csrfToken(secret, d.uid),
          step,
          secret: secretKey,
          otpauth,
          qrSvg: await qrCodeSvg(otpauth),
        }),
      )
    }
    emit({ type: 'login.succeeded', sub: user.id, amr: ['pwd'], acr: ACR_PASSWORD })
    return finish(c, {
      login: { accountId: user.id, acr: ACR_PASSWORD, amr: ['pwd'], remember: false },
    })
  })

  app.post('/:uid/totp', async (c) => {
    const d = await details(c)
    if (d === undefined) return expired(c)
    const body = await form(c, d.uid)
    const step = body === undefined ? undefined : verifyStep(secret, body['step'] ?? '', d.uid)
    if (body === undefined || step === undefined) return expired(c)
    if (!(await users.verifyTotp(step.sub, body['code'] ?? ''))) {
      emit({ type: 'mfa.failed', sub: step.sub })
      return c.html(
        totpPage({
          action: `${base(d.uid)}/totp`,
          csrf: csrfToken(secret, d.uid),
          step: body['step'] ?? '',
          error: 'That code is not valid.',
        }),
        401,
      )
    }
    const method = /^\d{6}$/.test((body['code'] ?? '').trim()) ? 'otp' : 'recovery'
    emit({ type: 'mfa.succeeded', sub: step.sub, method })
    return loginWithMfa(c, step.sub, [...step.amr, method])
  })

  app.post('/:uid/enrol', async (c) => {
    const d = await details(c)
    if (d === undefined) return expired(c)
    const body = await form(c, d.uid)
    const step = body === undefined ? undefined : verifyStep(secret, body['step'] ?? '', d.uid)
    if (body === undefined || step === undefined) return expired(c)
    const codes = await users.confirmTotp(step.sub, (body['code'] ?? '').trim())
    if (codes === undefined)
      return c.html(
        renderErrorPage('invalid_code', 'That code is not valid. Start the sign-in again.'),
        401,
      )
    emit({ type: 'mfa.enrolled', sub: step.sub })
    const next = signStep(secret, {
      uid: d.uid,
      sub: step.sub,
      amr: [...step.amr, 'otp'],
      exp: Date.now() + STEP_TTL_MS,
    })
    return c.html(
      recoveryCodesPage({
        action: `${base(d.uid)}/continue`,
        csrf: csrfToken(secret, d.uid),
        step: next,
        codes,
      }),
    )
  })

  app.post('/:uid/continue', async (c) => {
    const d = await details(c)
    if (d === undefined) return expired(c)
    const body = await form(c, d.uid)
    const step = body === undefined ? undefined : verifyStep(secret, body['step'] ?? '', d.uid)
    if (step?.amr.includes('otp') !== true) return expired(c)
    return loginWithMfa(c, step.sub, step.amr)
  })

  const loginWithMfa = (c: Context<Env>, sub: string, amr: string[]): Promise<Response> => {
    emit({ type: 'login.succeeded', sub, amr: amr as ('pwd' | 'otp' | 'recovery')[], acr: ACR_MFA })
    return finish(c, { login: { accountId: sub, acr: ACR_MFA, amr, remember: false } })
  }

  app.post('/:uid/upstream', async (c) => {
    const d = await details(c)
    if (d === undefined || deps.upstreamStart === undefined) return expired(c)
    const body = await form(c, d.uid)
    if (body === undefined) return expired(c)
    return deps.upstreamStart(c, d.uid)
  })

  app.get('/:uid/upstream-done', async (c) => {
    const d = await details(c)
    if (d === undefined) return expired(c)
    const step = verifyStep(secret, c.req.query('t') ?? '', d.uid)
    if (step?.amr.includes('upstream') !== true) return expired(c)
    emit({ type: 'login.succeeded', sub: step.sub, amr: ['upstream'], acr: ACR_PASSWORD })
    return finish(c, {
      login: { accountId: step.sub, acr: ACR_PASSWORD, amr: ['upstream'], remember: false },
    })
  })

  app.post('/:uid/consent', async (c) => {
    const provider = deps.provider()
    const d = await details(c)
    if (d?.prompt.name !== 'consent' || d.session?.accountId === undefined) return expired(c)
    const body = await c.req.parseBody({ all: true })
    if (!csrfValid(secret, d.uid, body['csrf'])) return expired(c)
    const raw = body['scope']
    const ticked = new Set(
      (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter(
        (v) => typeof v === 'string',
      ),
    )
    const clientId = String(d.params['client_id'])
    const grant =
      d.grantId === undefined
        ? new provider.Grant({ accountId: d.session.accountId, clientId })
        : ((await provider.Grant.find(d.grantId)) ??
          new provider.Grant({ accountId: d.session.accountId, clientId }))
    const { missingOIDCScope = [], missingResourceScopes = {} } = d.prompt.details as {
      missingOIDCScope?: string[]
      missingResourceScopes?: Record<string, string[]>
    }
    // Per-scope choice: untick → rejected, so the token carries only what was granted.
    const oidcGranted = missingOIDCScope.filter((s) => s === 'openid' || ticked.has(` ${s}`))
    const oidcRejected = missingOIDCScope.filter((s) => !oidcGranted.includes(s))
    if (oidcGranted.length > 0) grant.addOIDCScope(oidcGranted.join(' '))
    if (oidcRejected.length > 0) grant.rejectOIDCScope(oidcRejected.join(' '))
    const grantedResources: string[] = []
    const grantedScopes: string[] = [...oidcGranted]
    for (const [resource, scopes] of Object.entries(missingResourceScopes)) {
      const granted = scopes.filter((s) => ticked.has(`${resource} ${s}`))
      const rejected = scopes.filter((s) => !granted.includes(s))
      if (granted.length > 0) grant.addResourceScope(resource, granted.join(' '))
      if (rejected.length > 0) grant.rejectResourceScope(resource, rejected.join(' '))
      grantedResources.push(resource)
      grantedScopes.push(...granted)
    }
    const grantId = await grant.save()
    emit({
      type: 'consent.granted',
      sub: d.session.accountId,
      client_id: clientId,
      grant_id: grantId,
      scope: grantedScopes.join(' '),
      resource: grantedResources,
    })
    return finish(c, { consent: { grantId } })
  })

  app.post('/:uid/abort', async (c) => {
    const d = await details(c)
    if (d === undefined) return expired(c)
    const body = await form(c, d.uid)
    if (body === undefined) return expired(c)
    return finish(c, { error: 'access_denied', error_description: 'the user denied the request' })
  })

  return app
}

async function consentView(provider: Provider, d: Details, secret: string): Promise<string> {
  const clientId = String(d.params['client_id'])
  const client = await provider.Client.find(clientId)
  const redirectUri = paramString(d.params['redirect_uri'])
  const redirect = URL.parse(redirectUri)
  const clientUrl = URL.parse(clientId)
  const { missingOIDCScope = [], missingResourceScopes = {} } = d.prompt.details as {
    missingOIDCScope?: string[]
    missingResourceScopes?: Record<string, string[]>
  }
  const loopback = new Set(['localhost', '127.0.0.1', '[::1]'])
  const scopes: { value: string; resource?: string }[] = [
    ...missingOIDCScope.filter((s) => s !== 'openid').map((value) => ({ value })),
    ...Object.entries(missingResourceScopes).flatMap(([resource, list]) =>
      list.map((value) => ({ value, resource })),
    ),
  ]
  const preRegistered = client !== undefined && !clientId.startsWith('dcr_') && clientUrl === null
  return consentPage({
    action: `${INTERACTION_PATH}/${d.uid}/consent`,
    abortAction: `${INTERACTION_PATH}/${d.uid}/abort`,
    csrf: csrfToken(secret, d.uid),
    clientName: client?.clientName ?? clientId,
    clientHost: clientUrl?.host ?? clientId,
    redirectHost: redirect?.host ?? redirectUri,
    localhostRedirect: redirect !== null && loopback.has(redirect.hostname),
    unverified: !preRegistered,
    scopes,
  })
}

function paramString(value: unknown): string {
  return typeof value === 'string' ? value : ''
}
