import { ACR_MFA } from '../provider/acr.ts'
import { csrfToken, signStep } from '../sessions/step-token.ts'
import { otpauthUri } from '../mfa/totp.ts'
import { qrCodeSvg } from '../mfa/qr-code.ts'
import { enrolPage, recoveryCodesPage, totpPage } from '../pages/login-pages.ts'
import { renderErrorPage } from '../pages/error-page.ts'
import type { InteractionStep } from './interaction-env.ts'
import { finish, interactionPath } from './interaction-steps.ts'
import { STEP_TTL_MS } from './login-steps.ts'

/**
 * The code from the authenticator app, or a recovery code; a wrong one shows the code page
 * again. The method used is added to the step's factors.
 */
export const checkTotp: InteractionStep = async (c, next) => {
  const { deps, interaction: d, form, step } = c.var
  if (!(await deps.users.verifyTotp(step.sub, form['code'] ?? ''))) {
    deps.emit({ type: 'mfa.failed', sub: step.sub })
    return c.html(
      totpPage({
        action: `${interactionPath(d.uid)}/totp`,
        csrf: csrfToken(deps.secret, d.uid),
        step: form['step'] ?? '',
        error: 'totp.wrong',
      }),
      401,
    )
  }
  const method = /^\d{6}$/.test((form['code'] ?? '').trim()) ? 'otp' : 'recovery'
  deps.emit({ type: 'mfa.succeeded', sub: step.sub, method })
  c.set('step', { ...step, amr: [...step.amr, method] })
  return next()
}

/**
 * The first code of a new authenticator (enrolment during sign-in). A wrong code is not a dead
 * end: the same secret and QR code again, with the error.
 */
export const confirmEnrolment: InteractionStep = async (c, next) => {
  const { deps, interaction: d, form, step } = c.var
  const codes = await deps.users.confirmTotp(step.sub, (form['code'] ?? '').trim())
  if (codes !== undefined) {
    deps.emit({ type: 'mfa.enrolled', sub: step.sub })
    c.set('codes', codes)
    return next()
  }
  deps.emit({ type: 'mfa.failed', sub: step.sub })
  const user = await deps.users.get(step.sub)
  const pending = await deps.users.pendingTotpSecret(step.sub)
  if (user === undefined || pending === undefined) {
    return c.html(renderErrorPage('invalid_code', 'error.enrolStart'), 401)
  }
  const otpauth = otpauthUri(pending, new URL(deps.options.issuer).host, user.username)
  c.header('Cache-Control', 'no-store')
  return c.html(
    enrolPage({
      action: `${interactionPath(d.uid)}/enrol`,
      csrf: csrfToken(deps.secret, d.uid),
      step: form['step'] ?? '',
      secret: pending,
      otpauth,
      qrSvg: await qrCodeSvg(otpauth),
      error: 'enrol.wrong',
    }),
    401,
  )
}

/** The new recovery codes, once; "continue" carries the completed factors on. */
export const showEnrolmentCodes: InteractionStep = (c) => {
  const { deps, interaction: d, step, codes } = c.var
  const next = signStep(deps.secret, {
    uid: d.uid,
    sub: step.sub,
    amr: [...step.amr, 'otp'],
    exp: Date.now() + STEP_TTL_MS,
  })
  // The codes are secrets: no cache may keep the page (RFC 9111 §5.2.2.5).
  c.header('Cache-Control', 'no-store')
  return Promise.resolve(
    c.html(
      recoveryCodesPage({
        action: `${interactionPath(d.uid)}/continue`,
        csrf: csrfToken(deps.secret, d.uid),
        step: next,
        codes,
      }),
    ),
  )
}

/** A login with both factors (`acr=mfa`, the step's methods as `amr`). */
export const finishMfaLogin: InteractionStep = async (c) => {
  const { sub, amr } = c.var.step
  c.var.deps.emit({
    type: 'login.succeeded',
    sub,
    amr: amr as ('pwd' | 'otp' | 'recovery')[],
    acr: ACR_MFA,
  })
  return finish(c, { login: { accountId: sub, acr: ACR_MFA, amr, remember: false } })
}
