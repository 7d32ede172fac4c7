import { accountBinding } from '../sessions/account-session.ts'
import { csrfToken, signStep, verifyStep } from '../sessions/step-token.ts'
import { otpauthUri } from '../mfa/totp.ts'
import { qrCodeSvg } from '../mfa/qr-code.ts'
import { enrolPage, recoveryCodesPage } from '../pages/login-pages.ts'
import { renderErrorPage } from '../pages/error-page.ts'
import type { AccountContext, AccountStep } from './account-env.ts'
import { back, pageUserOf } from './account-steps.ts'

const ENROL_TTL_MS = 10 * 60_000

const wrongCode = (c: AccountContext): Response => {
  c.var.deps.emit({ type: 'mfa.failed', sub: c.var.session.accountId })
  return c.html(renderErrorPage('invalid_code', 'error.wrongCode', undefined, back), 401)
}

/** The new recovery codes, shown once: never cached by the browser or a proxy. */
async function codesPage(c: AccountContext, codes: string[]): Promise<Response> {
  const { deps, session: s } = c.var
  c.header('Cache-Control', 'no-store')
  return c.html(
    recoveryCodesPage({
      action: '/account/mfa/done',
      csrf: csrfToken(deps.secret, accountBinding(s)),
      step: '',
      codes,
      user: await pageUserOf(deps, s.accountId),
    }),
  )
}

/** The enrolment page of `secret` (QR code, key, link), after a wrong code with the error. */
async function enrolView(
  c: AccountContext,
  input: { secret: string; username: string; step: string; status?: 401 },
): Promise<Response> {
  const { deps, session: s } = c.var
  const otpauth = otpauthUri(input.secret, new URL(deps.issuer).host, input.username)
  c.header('Cache-Control', 'no-store')
  const page = enrolPage({
    action: '/account/mfa/confirm',
    csrf: csrfToken(deps.secret, accountBinding(s)),
    step: input.step,
    secret: input.secret,
    otpauth,
    qrSvg: await qrCodeSvg(otpauth),
    ...(input.status === undefined ? {} : { error: 'enrol.wrong' as const }),
    cancel: '/account',
    user: await pageUserOf(deps, s.accountId),
  })
  return input.status === undefined ? c.html(page) : c.html(page, input.status)
}

/** `POST /account/mfa/enrol`: a new authenticator secret, for a user without one. */
export const beginEnrolment: AccountStep = async (c) => {
  const { deps, session: s } = c.var
  const user = await deps.users.get(s.accountId)
  if (user === undefined || user.mfa) return c.redirect('/account', 303)
  const secret = await deps.users.beginTotp(user.id)
  // Binds the confirmation to this session and user (a step token, as in the login flow).
  const step = signStep(deps.secret, {
    uid: accountBinding(s),
    sub: user.id,
    amr: ['enrol'],
    exp: Date.now() + ENROL_TTL_MS,
  })
  return enrolView(c, { secret, username: user.username, step })
}

/**
 * `POST /account/mfa/confirm`: the first code turns the second factor on and shows the
 * recovery codes. A wrong code is not a dead end: the same secret and QR code again.
 */
export const confirmEnrolment: AccountStep = async (c) => {
  const { deps, session: s, form } = c.var
  const step = verifyStep(deps.secret, form['step'] ?? '', accountBinding(s))
  if (step?.sub !== s.accountId || !step.amr.includes('enrol')) {
    return c.html(renderErrorPage('invalid_request', 'error.formExpired', undefined, back), 403)
  }
  const codes = await deps.users.confirmTotp(s.accountId, (form['code'] ?? '').trim())
  if (codes === undefined) {
    deps.emit({ type: 'mfa.failed', sub: s.accountId })
    const user = await deps.users.get(s.accountId)
    const pending = await deps.users.pendingTotpSecret(s.accountId)
    if (user === undefined || pending === undefined) return wrongCode(c)
    const retry = { secret: pending, username: user.username, step: form['step'] ?? '' }
    return enrolView(c, { ...retry, status: 401 })
  }
  deps.emit({ type: 'mfa.enrolled', sub: s.accountId })
  return codesPage(c, codes)
}

/** `POST /account/mfa/done`: the codes were saved; back to the account. */
export const codesSaved: AccountStep = (c) => Promise.resolve(c.redirect('/account', 303))

/**
 * `POST /account/mfa/recovery`: new recovery codes, for a current authenticator code only (a
 * recovery code must not mint new recovery codes).
 */
export const regenerateCodes: AccountStep = async (c) => {
  const { deps, session: s, form } = c.var
  const code = (form['code'] ?? '').replace(/\s+/g, '')
  if (!/^\d{6}$/.test(code) || !(await deps.users.verifyTotp(s.accountId, code))) {
    return wrongCode(c)
  }
  const codes = await deps.users.regenerateRecoveryCodes(s.accountId)
  deps.emit({ type: 'mfa.recovery_regenerated', sub: s.accountId })
  return codesPage(c, codes)
}

/** `POST /account/mfa/disable`: turns the second factor off (a code or a recovery code). */
export const disableMfa: AccountStep = async (c) => {
  const { deps, session: s, form } = c.var
  const user = await deps.users.get(s.accountId)
  const code = (form['code'] ?? '').replace(/\s+/g, '')
  if (user?.mfa !== true || !(await deps.users.verifyTotp(s.accountId, code))) {
    return wrongCode(c)
  }
  await deps.users.resetMfa(user.username)
  const method = /^\d{6}$/.test(code) ? 'otp' : 'recovery'
  deps.emit({ type: 'mfa.disabled', sub: s.accountId, method })
  return c.redirect('/account', 303)
}
