import type { Context, MiddlewareHandler } from 'hono'
import type { HttpBindings } from '@hono/node-server'
import type Provider from 'oidc-provider'
import type { Users, UserSummary } from '../users/users.ts'
import type { AuthorizationServerOptions } from '../options.ts'
import type { ProviderContext } from '../provider/provider-context.ts'
import type { StepClaims } from '../sessions/step-token.ts'

/** What the login, second-factor and consent pages need from the server that mounts them. */
export interface InteractionDeps {
  provider: () => Provider
  users: Users
  options: AuthorizationServerOptions
  secret: string
  emit: ProviderContext['emit']
  /** Starts a login at the upstream OpenID provider (when one is configured). */
  upstreamStart?: UpstreamStart
}

/** Sends the browser of interaction `uid` to the upstream OpenID provider (upstream-login.ts). */
export type UpstreamStart = <E extends { Bindings: HttpBindings }>(
  c: Context<E>,
  uid: string,
) => Promise<Response>

/** The interaction oidc-provider is waiting for: its prompt, parameters and session. */
export type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>

/** The string fields of a submitted form (a file or a repeated field is not a string field). */
export type FormFields = Record<string, string>

/**
 * The Hono environment of the interaction routes: what each step leaves for the next ones
 * (the dependencies, the interaction, the checked form, the step token, the user).
 */
export interface InteractionEnv {
  Bindings: HttpBindings
  Variables: {
    deps: InteractionDeps
    interaction: Interaction
    form: FormFields
    /** The signed statement of the factors satisfied so far (password, code, upstream). */
    step: StepClaims
    /** The user whose password was just accepted. */
    user: UserSummary
    /** The consent form's ticked `"<resource> <scope>"` values. */
    ticked: ReadonlySet<string>
    /** Recovery codes issued by enrolment, shown once. */
    codes: string[]
  }
}

/**
 * One step of an interaction request path (as oidc-provider composes its endpoints): it either
 * answers, which ends the request, or leaves what it found in `c.var` and calls `next`.
 */
export type InteractionStep = MiddlewareHandler<InteractionEnv>

/** The request context every interaction step receives. */
export type InteractionContext = Context<InteractionEnv>
