import { Hono } from 'hono'
import type { InteractionDeps, InteractionEnv, InteractionStep } from './interaction-env.ts'
import {
  finish,
  loadInteraction,
  requireAmr,
  signedForm,
  stepFromForm,
  stepFromQuery,
} from './interaction-steps.ts'
import {
  askSecondFactor,
  checkPassword,
  finishPasswordLogin,
  finishUpstreamLogin,
  requireUpstream,
  showPrompt,
  startUpstream,
} from './login-steps.ts'
import { checkTotp, confirmEnrolment, finishMfaLogin, showEnrolmentCodes } from './mfa-steps.ts'
import { provideDeps } from './provide-deps.ts'
import { consentForm, requireConsentPrompt, saveConsent } from './consent-steps.ts'

/** The person said no: oidc-provider returns `access_denied` to the client. */
const abortInteraction: InteractionStep = (c) =>
  finish(c, { error: 'access_denied', error_description: 'the user denied the request' })

type Steps = readonly [InteractionStep, ...InteractionStep[]]

/**
 * Every request path of the interaction as the steps it runs, in order (as oidc-provider
 * composes its endpoints). A step answers (and the path ends there) or passes on.
 */
const INTERACTION_PATHS = {
  /** `GET /:uid`: the login form or the consent page. */
  show: [loadInteraction, showPrompt],
  /** `POST /:uid/login`: password, then the second factor or the end of the login. */
  login: [
    loadInteraction,
    signedForm('form_expired'),
    checkPassword,
    askSecondFactor,
    finishPasswordLogin,
  ],
  /** `POST /:uid/totp`: the code after the password. */
  totp: [loadInteraction, signedForm('login_expired'), stepFromForm, checkTotp, finishMfaLogin],
  /** `POST /:uid/enrol`: the first code of a new authenticator, then the recovery codes. */
  enrol: [
    loadInteraction,
    signedForm('login_expired'),
    stepFromForm,
    confirmEnrolment,
    showEnrolmentCodes,
  ],
  /** `POST /:uid/continue`: after the recovery codes were shown. */
  continue: [
    loadInteraction,
    signedForm('login_expired'),
    stepFromForm,
    requireAmr('otp'),
    finishMfaLogin,
  ],
  /** `POST /:uid/upstream`: sign in at the upstream OpenID provider instead. */
  upstream: [loadInteraction, requireUpstream, signedForm('login_expired'), startUpstream],
  /** `GET /:uid/upstream-done?t=…`: back from the upstream provider. */
  upstreamDone: [loadInteraction, stepFromQuery, requireAmr('upstream'), finishUpstreamLogin],
  /** `POST /:uid/consent`: the ticked scopes become the grant. */
  consent: [loadInteraction, requireConsentPrompt, consentForm, saveConsent],
  /** `POST /:uid/abort`: deny. */
  abort: [loadInteraction, signedForm('login_expired'), abortInteraction],
} as const satisfies Record<string, Steps>

/** Login, second factor and consent pages that oidc-provider sends the browser to. */
export function interactionRoutes(deps: InteractionDeps): Hono<InteractionEnv> {
  const app = new Hono<InteractionEnv>()
  const paths = INTERACTION_PATHS
  app.use(provideDeps(deps))
  app.get('/:uid', ...paths.show)
  app.post('/:uid/login', ...paths.login)
  app.post('/:uid/totp', ...paths.totp)
  app.post('/:uid/enrol', ...paths.enrol)
  app.post('/:uid/continue', ...paths.continue)
  app.post('/:uid/upstream', ...paths.upstream)
  app.get('/:uid/upstream-done', ...paths.upstreamDone)
  app.post('/:uid/consent', ...paths.consent)
  app.post('/:uid/abort', ...paths.abort)
  return app
}
