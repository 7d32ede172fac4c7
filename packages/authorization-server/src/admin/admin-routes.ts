import { Hono } from 'hono'
import type { AdminDeps, AdminEnv, AdminStep } from './admin-env.ts'
import { requireOperator } from './admin-guard.ts'
import { exportAudit, showAudit } from './admin-audit.ts'
import {
  showClients,
  showConsole,
  showGrants,
  showHealth,
  showProviders,
  showUsers,
} from './admin-views.ts'
import { provideDeps } from '../interactions/provide-deps.ts'
import { performAction, signedActionForm } from './admin-actions.ts'
import { USER_ACTIONS } from './admin-user-actions.ts'
import { CLIENT_ACTIONS } from './admin-client-actions.ts'
import { PROVIDER_ACTIONS, testProviderAction } from './admin-provider-actions.ts'

/** Each page of the console as the steps it runs: the operator first, then the section. */
const ADMIN_PAGES = {
  '/': [requireOperator, showConsole],
  '/users': [requireOperator, showUsers],
  '/clients': [requireOperator, showClients],
  '/grants': [requireOperator, showGrants],
  '/providers': [requireOperator, showProviders],
  '/audit': [requireOperator, showAudit],
  // The filtered events as JSON lines (a read: no CSRF token, but audited like an action).
  '/audit/export': [requireOperator, exportAudit],
  '/health': [requireOperator, showHealth],
} as const satisfies Record<string, readonly [AdminStep, ...AdminStep[]]>

/**
 * The operator console (`/admin`): only for users with the `operator` role who signed in with
 * their second factor. Every action is a POST with a fresh CSRF token, takes effect through
 * the revocation path (docs/revocation.md) and is audited as the same typed event as its
 * `mandate` command (`user.*`, `client.*`, `grant.revoked`, `actor: console`), or as
 * `admin.action` when it has none; refused requests of signed-in users are audited too.
 */
export function adminRoutes(deps: AdminDeps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>()
  app.use(provideDeps(deps))
  for (const [path, steps] of Object.entries(ADMIN_PAGES)) app.get(path, ...steps)
  for (const action of [...USER_ACTIONS, ...CLIENT_ACTIONS, ...PROVIDER_ACTIONS]) {
    app.post(action.path, requireOperator, signedActionForm(action.section), performAction(action))
  }
  app.post('/providers/test', requireOperator, signedActionForm('providers'), testProviderAction)
  return app
}
