import { Hono } from 'hono'
import type { Context } from 'hono'
import type { HttpBindings } from '@hono/node-server'
import { ACR_PASSWORD } from '../provider/build-provider.ts'
import type { AccountDeps } from './account-routes.ts'
import {
  accountBinding,
  accountSession,
  markReauthenticated,
  recentlySignedIn,
} from '../lib/account-session.ts'
import type { AccountSession } from '../lib/account-session.ts'
import { csrfToken, csrfValid, signStep, verifyStep } from '../lib/step-token.ts'
import { otpauthUri } from '../lib/totp.ts'
import { qrCodeSvg } from '../lib/qr-code.ts'
import { enrolPage, recoveryCodesPage } from '../pages/login-pages.ts'
import { reauthPage } from '../pages/account-pages.ts'
import { renderErrorPage } from '../pages/error-page.ts'

type Env = { Bindings: HttpBindings }
type Form = Record<string, string>

const ENROL_TTL_MS = 10 * 60_000

/**
 * Second-factor management from the account page: enrol TOTP, regenerate recovery codes,
 * turn it off. Every POST needs the session's CSRF token; enrolling and turning off also need
 * a sign-in less than ten minutes old (otherwise /account/reauth asks for the password).
 */
export function accountMfaRoutes(deps: AccountDeps): Hono<Env> {
  const app = new Hono<Env>()
  const { secret, users, emit } = deps
  const secure = new URL(deps.issuer).protocol === 'https:'

  /** The session and the submitted form, or the response refusing the request. */
  const guard = async (
    c: Context<Env>,
    needsRecent: boolean,
  ): Promise<{ s: AccountSession; body: Form } | Response> => {
    const s = await accountSession(deps.provider(), c)
    if (s === undefined) return c.html(renderErrorPage('login_required', 'Sign in again.'), 401)
    const raw = await c.req.parseBody()
    // CSRF: the token is bound to this session (not just the user), so another session's fails.
    if (!csrfValid(secret, accountBinding(s), raw['csrf'])) {
      return c.html(renderErrorPage('invalid_request', 'The form expired. Try again.'), 403)
    }
    if (needsRecent && !recentlySignedIn(c, secret, s)) return c.redirect('/account/reauth', 303)
    const body: Form = {}
    for (const [key, value] of Object.entries(raw)) if (typeof value === 'string') body[key] = value
    return { s, body }
  }
  const wrongCode = (c: Context<Env>, sub: string): Response => {
    emit({ type: 'mfa.failed', sub })
    return c.html(
      renderErrorPage('invalid_code', 'That code is not valid. Go back to your account and retry.'),
      401,
    )
  }
  const codesPage = (c: Context<Env>, s: AccountSession, codes: string[]): Response => {
    // Shown once: never cached by the browser or a proxy.
    c.header('Cache-Control', 'no-store')
    return c.html(
      recoveryCodesPage({
        action: '/account/mfa/done',
        csrf: csrfToken(secret, accountBinding(s)),
        step: '',
        codes,
      }),
    )
  }

  app.get('/reauth', async (c) => {
    const s = await accountSession(deps.provider(), c)
    if (s === undefined) return c.redirect('/account', 303)
    const user = await users.get(s.accountId)
    return c.html(
      reauthPage({
        csrf: csrfToken(secret, accountBinding(s)),
        username: user?.username ?? '',
      }),
    )
  })

  app.post('/reauth', async (c) => {
    const g = await guard(c, false)
    if (g instanceof Response) return g
    const { s, body } = g
    const user = await users.get(s.accountId)
    const result = await users.verifyLogin(user?.username ?? '', body['password'] ?? '')
    if (!result.ok || result.user.id !== s.accountId) {
      const reason = result.ok ? 'invalid' : result.reason
      emit({ type: 'login.failed', username: (user?.username ?? '').slice(0, 200), reason })
      return c.html(
        reauthPage({
          csrf: csrfToken(secret, accountBinding(s)),
          username: user?.username ?? '',
          error: reason === 'locked' ? 'Too many attempts. Try again later.' : 'Wrong password.',
        }),
        401,
      )
    }
    emit({ type: 'login.succeeded', sub: s.accountId, amr: ['pwd'], acr: ACR_PASSWORD })
    markReauthenticated(c, secret, s, secure)
    return c.redirect('/account', 303)
  })

  app.post('/mfa/enrol', async (c) => {
    const g = await guard(c, true)
    if (g instanceof Response) return g
    const { s } = g
    const user = await users.get(s.accountId)
    if (user === undefined || user.mfa) return c.redirect('/account', 303)
    const secretKey = await users.beginTotp(user.id)
    const otpauth = otpauthUri(secretKey, new URL(deps.issuer).host, user.username)
    c.header('Cache-Control', 'no-store')
    return c.html(
      enrolPage({
        action: '/account/mfa/confirm',
        csrf: csrfToken(secret, accountBinding(s)),
        // Binds the confirmation to this session and user (a step token, as in the login flow).
        step: signStep(secret, {
          uid: accountBinding(s),
          sub: user.id,
          amr: ['enrol'],
          exp: Date.now() + ENROL_TTL_MS,
        }),
        secret: secretKey,
        otpauth,
        qrSvg: await qrCodeSvg(otpauth),
      }),
    )
  })

  app.post('/mfa/confirm', async (c) => {
    const g = await guard(c, true)
    if (g instanceof Response) return g
    const { s, body } = g
    const step = verifyStep(secret, body['step'] ?? '', accountBinding(s))
    if (step?.sub !== s.accountId || !step.amr.includes('enrol')) {
      return c.html(renderErrorPage('invalid_request', 'The form expired. Try again.'), 403)
    }
    const codes = await users.confirmTotp(s.accountId, (body['code'] ?? '').trim())
    if (codes === undefined) return wrongCode(c, s.accountId)
    emit({ type: 'mfa.enrolled', sub: s.accountId })
    return codesPage(c, s, codes)
  })

  app.post('/mfa/done', async (c) => {
    const g = await guard(c, false)
    return g instanceof Response ? g : c.redirect('/account', 303)
  })

  app.post('/mfa/recovery', async (c) => {
    const g = await guard(c, false)
    if (g instanceof Response) return g
    const { s, body } = g
    const code = (body['code'] ?? '').replace(/\s+/g, '')
    // A current TOTP code only: a recovery code must not mint new recovery codes.
    if (!/^\d{6}$/.test(code) || !(await users.verifyTotp(s.accountId, code))) {
      return wrongCode(c, s.accountId)
    }
    const codes = await users.regenerateRecoveryCodes(s.accountId)
    emit({ type: 'mfa.recovery_regenerated', sub: s.accountId })
    return codesPage(c, s, codes)
  })

  app.post('/mfa/disable', async (c) => {
    const g = await guard(c, true)
    if (g instanceof Response) return g
    const { s, body } = g
    const user = await users.get(s.accountId)
    const code = (body['code'] ?? '').replace(/\s+/g, '')
    if (user?.mfa !== true || !(await users.verifyTotp(s.accountId, code))) {
      return wrongCode(c, s.accountId)
    }
    await users.resetMfa(user.username)
    emit({
      type: 'mfa.disabled',
      sub: s.accountId,
      method: /^\d{6}$/.test(code) ? 'otp' : 'recovery',
    })
    return c.redirect('/account', 303)
  })

  return app
}
