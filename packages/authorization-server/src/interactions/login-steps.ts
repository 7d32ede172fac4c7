import type { StringKey } from '@mandate/core'
import { ACR_PASSWORD } from '../provider/acr.ts'
import { csrfToken, signStep } from '../sessions/step-token.ts'
import { otpauthUri } from '../mfa/totp.ts'
import { qrCodeSvg } from '../mfa/qr-code.ts'
import { enrolPage, loginPage, totpPage } from '../pages/login-pages.ts'
import { renderErrorPage } from '../pages/error-page.ts'
import { consentView } from './consent-view.ts'
import type { Interaction, InteractionDeps, InteractionStep } from './interaction-env.ts'
import { expired, finish, interactionPath, wantsMfa } from './interaction-steps.ts'

/** How long a step token (password accepted, waiting for the second factor) stays valid. */
export const STEP_TTL_MS = 10 * 60_000

/** The login form of an interaction, with the upstream button when one is configured. */
export function loginView(deps: InteractionDeps, d: Interaction, error?: StringKey): string {
  const base = interactionPath(d.uid)
  return loginPage({
    action: `${base}/login`,
    csrf: csrfToken(deps.secret, d.uid),
    stepUp: wantsMfa(d),
    ...(error === undefined ? {} : { error }),
    ...(deps.options.upstream === undefined
      ? {}
      : { upstream: { name: deps.options.upstream.name, action: `${base}/upstream` } }),
  })
}

/** `GET /:uid`: the page of the prompt oidc-provider waits for (login or consent). */
export const showPrompt: InteractionStep = async (c) => {
  const d = c.var.interaction
  if (d.prompt.name === 'login') return c.html(loginView(c.var.deps, d))
  if (d.prompt.name === 'consent') return c.html(await consentView(c.var.deps, d))
  return c.html(renderErrorPage('interaction_required', 'error.unsupportedStep'), 400)
}

/** The username and password (lockout and disabled accounts are the users module's). */
export const checkPassword: InteractionStep = async (c, next) => {
  const { deps, form } = c.var
  const username = form['username'] ?? ''
  const result = await deps.users.verifyLogin(username, form['password'] ?? '')
  if (!result.ok) {
    deps.emit({ type: 'login.failed', username: username.slice(0, 200), reason: result.reason })
    const message = result.reason === 'locked' ? 'login.locked' : 'login.wrong'
    return c.html(loginView(deps, c.var.interaction, message), 401)
  }
  c.set('user', result.user)
  return next()
}

/**
 * The second factor, when the user has one (the code page) or the client asks for one and the
 * user has none yet (enrolment); the step token carries the accepted password to that page.
 */
export const askSecondFactor: InteractionStep = async (c, next) => {
  const { deps, interaction: d, user } = c.var
  if (!user.mfa && !wantsMfa(d)) {
    return next()
  }
  const step = signStep(deps.secret, {
    uid: d.uid,
    sub: user.id,
    amr: ['pwd'],
    exp: Date.now() + STEP_TTL_MS,
  })
  const csrf = csrfToken(deps.secret, d.uid)
  if (user.mfa) return c.html(totpPage({ action: `${interactionPath(d.uid)}/totp`, csrf, step }))
  const secretKey = await deps.users.beginTotp(user.id)
  const otpauth = otpauthUri(secretKey, new URL(deps.options.issuer).host, user.username)
  return c.html(
    enrolPage({
      action: `${interactionPath(d.uid)}/enrol`,
      csrf,
      step,
      secret: secretKey,
      otpauth,
      qrSvg: await qrCodeSvg(otpauth),
    }),
  )
}

/** A password-only login (no second factor asked for or set up). */
export const finishPasswordLogin: InteractionStep = (c) => {
  const { user } = c.var
  c.var.deps.emit({ type: 'login.succeeded', sub: user.id, amr: ['pwd'], acr: ACR_PASSWORD })
  return finish(c, {
    login: { accountId: user.id, acr: ACR_PASSWORD, amr: ['pwd'], remember: false },
  })
}

/** Refuses the upstream button when no upstream provider is configured. */
export const requireUpstream: InteractionStep = async (c, next) => {
  if (c.var.deps.upstreamStart === undefined) return expired(c)
  return next()
}

/** Sends the browser to the upstream provider (upstream-login.ts). */
export const startUpstream: InteractionStep = async (c) => {
  const start = c.var.deps.upstreamStart
  return start === undefined ? expired(c) : start(c, c.var.interaction.uid)
}

/** Back from the upstream provider with a step token naming the linked local account. */
export const finishUpstreamLogin: InteractionStep = (c) => {
  const { sub } = c.var.step
  c.var.deps.emit({ type: 'login.succeeded', sub, amr: ['upstream'], acr: ACR_PASSWORD })
  return finish(c, {
    login: { accountId: sub, acr: ACR_PASSWORD, amr: ['upstream'], remember: false },
  })
}
