import type { Context, MiddlewareHandler } from 'hono'
import type { HttpBindings } from '@hono/node-server'
import type Provider from 'oidc-provider'
import type { PageUser } from '@mandate/core'
import type { Store } from '@mandate/store'
import type { Users } from '../users/users.ts'
import type { ProviderContext } from '../provider/provider-context.ts'
import type { AccountSession } from '../sessions/account-session.ts'
import type { AdminProvidersService } from './admin-providers-service.ts'

/** What the operator console (`/admin`) needs from the server that mounts it. */
export interface AdminDeps {
  provider: () => Provider
  users: Users
  secret: string
  store: Store
  emit: ProviderContext['emit']
  issuer: string
  configuredClients: ReadonlySet<string>
  /** The providers section's actions (`mandate serve` passes them); without it, read only. */
  providers?: AdminProvidersService | undefined
}

/** The signed-in operator (role `operator`, signed in with the second factor). */
export interface Operator {
  session: AccountSession
  user: PageUser & { id: string }
}

/** The Hono environment of the console routes: what each step leaves for the next ones. */
export interface AdminEnv {
  Bindings: HttpBindings
  Variables: {
    deps: AdminDeps
    operator: Operator
    /** The submitted action form, its CSRF token checked. */
    form: Record<string, unknown>
  }
}

/** One step of a console request path: it answers, or passes on with `next`. */
export type AdminStep = MiddlewareHandler<AdminEnv>

/** The request context every console step receives. */
export type AdminContext = Context<AdminEnv>
