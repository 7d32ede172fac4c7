import { enableClient, removeClient } from '../revocation/operator-clients.ts'
import type { OperatorAttribution } from '../revocation/operator-clients.ts'
import { revokeGrantAsOperator } from '../revocation/operator-grants.ts'
import { renderErrorPage } from '../pages/error-page.ts'
import { AuthorizationServerError } from '../errors.ts'
import type { AdminDeps, AdminStep, Operator } from './admin-env.ts'
import type { AdminSection } from './admin-page.ts'
import { adminCsrfValid } from './admin-guard.ts'

/** What an action did (its audit `target`), or that its object does not exist. */
type Outcome = { target: string } | 'not_found'

/** One console action: its path, the section it returns to, and the change it makes. */
export interface AdminAction {
  path: string
  section: AdminSection
  run: (deps: AdminDeps, form: Record<string, unknown>, op: Operator) => Promise<Outcome>
}

const str = (v: unknown): string => (typeof v === 'string' ? v.trim() : '')

/** The console operator as an operator change's attribution (audit `actor: console`). */
const operatorBy = (deps: AdminDeps, op: Operator): OperatorAttribution => ({
  emit: deps.emit,
  actor: 'console',
  sub: op.user.id,
  user_name: op.user.name,
})

/** Every console action. Each takes effect through the revocation path (docs/revocation.md). */
export const ADMIN_ACTIONS: readonly AdminAction[] = [
  {
    path: '/users/create',
    section: 'users',
    run: async (deps, form) => {
      const password = typeof form['password'] === 'string' ? form['password'] : ''
      const user = await deps.users.add({ username: str(form['username']), password })
      return { target: user.username }
    },
  },
  // Disabling ends every grant and refuses every token issued so far (Users.setDisabled).
  {
    path: '/users/disable',
    section: 'users',
    run: async (deps, form, op) => {
      // An operator cannot lock themselves out of the console.
      if (str(form['username']).toLowerCase() === op.user.name) return 'not_found'
      await deps.users.setDisabled(str(form['username']), true)
      return { target: str(form['username']) }
    },
  },
  {
    path: '/users/enable',
    section: 'users',
    run: async (deps, form) => {
      await deps.users.setDisabled(str(form['username']), false)
      return { target: str(form['username']) }
    },
  },
  {
    path: '/users/reset-mfa',
    section: 'users',
    run: async (deps, form, op) => {
      if (str(form['username']).toLowerCase() === op.user.name) return 'not_found'
      await deps.users.resetMfa(str(form['username']))
      return { target: str(form['username']) }
    },
  },
  // Through the revocation path: grants end, every token of the client is refused everywhere.
  ...(['disable', 'delete'] as const).map((how): AdminAction => ({
    path: `/clients/${how}`,
    section: 'clients',
    run: async (deps, form, op) => {
      const id = str(form['client'])
      if (deps.configuredClients.has(id)) return 'not_found'
      const by = operatorBy(deps, op)
      return (await removeClient(deps.store, id, how, by)) ? { target: id } : 'not_found'
    },
  })),
  // Enabling again refuses nothing and restores nothing: earlier tokens stay refused.
  {
    path: '/clients/enable',
    section: 'clients',
    run: async (deps, form, op) => {
      const id = str(form['client'])
      if (deps.configuredClients.has(id)) return 'not_found'
      const done = await enableClient(deps.store, id, operatorBy(deps, op))
      return done === 'not_found' ? 'not_found' : { target: id }
    },
  },
  {
    path: '/grants/revoke',
    section: 'grants',
    run: async (deps, form) => {
      const id = str(form['grant'])
      return (await revokeGrantAsOperator(deps.store, id)) ? { target: id } : 'not_found'
    },
  },
]

const backTo = (section: AdminSection) =>
  ({ href: `/admin/${section}`, label: 'error.tryAgain' }) as const

/** The action's form (`c.var.form`), when it carries a fresh console token of this session. */
export function signedActionForm(section: AdminSection): AdminStep {
  return async (c, next) => {
    const { deps, operator: op } = c.var
    const form = await c.req.parseBody()
    if (!adminCsrfValid(deps, op, form['csrf'])) {
      return c.html(
        renderErrorPage('invalid_request', 'error.formExpired', undefined, {
          user: op.user,
          back: backTo(section),
        }),
        403,
      )
    }
    c.set('form', form)
    return next()
  }
}

/** Makes the change, audits it (`admin.action`) and returns to the section with "Done.". */
export function performAction(action: AdminAction): AdminStep {
  return async (c) => {
    const { deps, operator: op } = c.var
    const refuse = (error: string, description: string, status: 400 | 404) =>
      c.html(
        renderErrorPage(error, description, undefined, {
          user: op.user,
          back: backTo(action.section),
        }),
        status,
      )
    let outcome: Outcome
    try {
      outcome = await action.run(deps, c.var.form, op)
    } catch (error) {
      if (!(error instanceof AuthorizationServerError)) throw error
      return refuse(error.code.toLowerCase(), error.message, 400)
    }
    if (outcome === 'not_found') return refuse('not_found', 'error.notFound', 404)
    deps.emit({
      type: 'admin.action',
      sub: op.user.id,
      user_name: op.user.name,
      action: action.path.slice(1).replace('/', '.'),
      target: outcome.target,
    })
    return c.redirect(`/admin/${action.section}?done=1`, 303)
  }
}
