import { renderErrorPage } from '../pages/error-page.ts'
import { AuthorizationServerError } from '../errors.ts'
import type { AdminDeps, AdminStep, Operator } from './admin-env.ts'
import type { AdminSection } from './admin-page.ts'
import { adminCsrfValid } from './admin-guard.ts'
import { auditRefusal } from './admin-action-audit.ts'

/** Whether an action made its change, or its object does not exist. */
export type AdminOutcome = 'done' | 'not_found'

/**
 * One console action: its path, the section it returns to, and the change it makes. `run`
 * also records it: the change's typed event with `actor: console` where the CLI has one
 * (`user.*`, `client.*`, `grant.revoked`), else `admin.action` (docs/audit.md).
 */
export interface AdminAction {
  path: string
  section: AdminSection
  run: (deps: AdminDeps, form: Record<string, unknown>, op: Operator) => Promise<AdminOutcome>
}

/** A form field, trimmed ('' when absent). */
export const formField = (v: unknown): string => (typeof v === 'string' ? v.trim() : '')

const backTo = (section: AdminSection) =>
  ({ href: `/admin/${section}`, label: 'error.tryAgain' }) as const

/**
 * The action's form (`c.var.form`), when it carries a fresh console token of this session;
 * otherwise 403, audited as refused (`form_expired`: an old page, or a forged request).
 */
export function signedActionForm(section: AdminSection): AdminStep {
  return async (c, next) => {
    const { deps, operator: op } = c.var
    const form = await c.req.parseBody()
    if (!adminCsrfValid(deps, op, form['csrf'])) {
      auditRefusal(deps, op.user, c.req.path, 'form_expired')
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

/** Makes the change (which audits itself) and returns to the section with "Done.". */
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
    let outcome: AdminOutcome
    try {
      outcome = await action.run(deps, c.var.form, op)
    } catch (error) {
      if (!(error instanceof AuthorizationServerError)) throw error
      return refuse(error.code.toLowerCase(), error.message, 400)
    }
    if (outcome === 'not_found') return refuse('not_found', 'error.notFound', 404)
    return c.redirect(`/admin/${action.section}?done=1`, 303)
  }
}
