import type { Context, MiddlewareHandler } from 'hono'
import type { HttpBindings } from '@hono/node-server'
import type Provider from 'oidc-provider'
import type { Store } from '@mandate/store'
import type { Users } from '../users/users.ts'
import type { AuthorizationServerOptions } from '../options.ts'
import type { ProviderContext } from '../provider/provider-context.ts'
import type { AccountSession } from '../sessions/account-session.ts'
import type { FormFields } from './interaction-env.ts'

/** What the account pages (`/account`) need from the server that mounts them. */
export interface AccountDeps {
  provider: () => Provider
  users: Users
  secret: string
  store: Store
  emit: ProviderContext['emit']
  /** The issuer URL: names the account in authenticator apps, and `https:` makes cookies Secure. */
  issuer: string
  /** Operator-configured client ids (shown as verified). */
  configuredClients?: ReadonlySet<string>
  /** Scope → description shown to people (configuration). */
  scopeDescriptions?: Readonly<Record<string, string>>
  linkedAccounts?: AuthorizationServerOptions['linkedAccounts']
  pendingApprovals?: AuthorizationServerOptions['pendingApprovals']
}

/** The Hono environment of the account routes: what each step leaves for the next ones. */
export interface AccountEnv {
  Bindings: HttpBindings
  Variables: {
    deps: AccountDeps
    /** The signed-in user of oidc-provider's session cookie. */
    session: AccountSession
    /** The submitted form, its CSRF token checked against the session. */
    form: FormFields
  }
}

/** One step of an account request path: it answers, or passes on with `next`. */
export type AccountStep = MiddlewareHandler<AccountEnv>

/** The request context every account step receives. */
export type AccountContext = Context<AccountEnv>
