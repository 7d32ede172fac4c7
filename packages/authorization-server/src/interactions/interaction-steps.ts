import type { InteractionResults } from 'oidc-provider'
import { ACR_MFA } from '../provider/acr.ts'
import { INTERACTION_PATH } from '../provider/routes.ts'
import { csrfValid, verifyStep } from '../sessions/step-token.ts'
import { renderErrorPage } from '../pages/error-page.ts'
import type {
  FormFields,
  Interaction,
  InteractionContext,
  InteractionStep,
} from './interaction-env.ts'

/** The request parameter as a string ('' when absent or repeated). */
export function paramString(value: unknown): string {
  return typeof value === 'string' ? value : ''
}

/** The path of an interaction's pages (`/oauth/interaction/<uid>`). */
export const interactionPath = (uid: string): string => `${INTERACTION_PATH}/${uid}`

/** Whether the client asked for a second factor (`acr_values=mfa`, step-up). */
export const wantsMfa = (d: Interaction): boolean =>
  paramString(d.params['acr_values']).split(' ').includes(ACR_MFA)

/** The answer to an unknown, finished or tampered interaction: start again from the client. */
export const expired = (c: InteractionContext): Response =>
  c.html(renderErrorPage('login_expired', 'error.loginExpired'), 400)

/** Hands the result to oidc-provider and follows it back to the authorization endpoint. */
export async function finish(c: InteractionContext, result: InteractionResults): Promise<Response> {
  const to = await c.var.deps
    .provider()
    .interactionResult(c.env.incoming, c.env.outgoing, result, { mergeWithLastSubmission: false })
  // 303, never 307: the browser must not re-POST the form (RFC 9700 §4.12, catalogue #15).
  return c.redirect(to, 303)
}

/** The interaction of this browser (oidc-provider's cookie), when it is the one in the path. */
export const loadInteraction: InteractionStep = async (c, next) => {
  let found: Interaction
  try {
    found = await c.var.deps.provider().interactionDetails(c.env.incoming, c.env.outgoing)
  } catch {
    return expired(c)
  }
  if (found.uid !== c.req.param('uid')) return expired(c)
  c.set('interaction', found)
  return next()
}

/**
 * The submitted form, when its CSRF token is bound to this interaction. A refused form is
 * answered as expired, or (on the login form) as a form to fill in again.
 */
export function signedForm(refusal: 'login_expired' | 'form_expired'): InteractionStep {
  return async (c, next) => {
    const body = await c.req.parseBody()
    if (!csrfValid(c.var.deps.secret, c.var.interaction.uid, body['csrf'])) {
      return refusal === 'login_expired'
        ? expired(c)
        : c.html(renderErrorPage('invalid_request', 'error.formExpired'), 403)
    }
    const form: FormFields = {}
    for (const [key, value] of Object.entries(body))
      if (typeof value === 'string') form[key] = value
    c.set('form', form)
    return next()
  }
}

/** The step token of the form's `step` field, signed for this interaction and not expired. */
export const stepFromForm: InteractionStep = async (c, next) => {
  const step = verifyStep(c.var.deps.secret, c.var.form['step'] ?? '', c.var.interaction.uid)
  if (step === undefined) return expired(c)
  c.set('step', step)
  return next()
}

/** The step token of the `t` query parameter (the upstream login's way back). */
export const stepFromQuery: InteractionStep = async (c, next) => {
  const step = verifyStep(c.var.deps.secret, c.req.query('t') ?? '', c.var.interaction.uid)
  if (step === undefined) return expired(c)
  c.set('step', step)
  return next()
}

/** Refuses a step token that does not record `method` among the satisfied factors. */
export function requireAmr(method: 'otp' | 'upstream'): InteractionStep {
  return async (c, next) => {
    if (!c.var.step.amr.includes(method)) return expired(c)
    return next()
  }
}
