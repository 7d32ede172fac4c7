import type { AuditEvent } from '@mandate/core'
import type { OperatorAttribution } from '../revocation/operator-clients.ts'
import type { AdminDeps, Operator } from './admin-env.ts'

/** Why a console request of a signed-in user was refused (`admin.action`, outcome `denied`). */
export type AdminRefusal = NonNullable<Extract<AuditEvent, { type: 'admin.action' }>['reason']>

/** The console route a request path names, as `admin.action` records it (`users.disable`). */
export function actionName(path: string): string {
  const route = path.replace(/^\/admin(?=\/|$)/, '').replace(/^\//, '')
  return route === '' ? 'console' : route.replaceAll('/', '.')
}

/** Who made a console change: `actor: console`, the operator's id and name (docs/audit.md). */
export const consoleActor = (op: Operator) =>
  ({ actor: 'console', sub: op.user.id, user_name: op.user.name }) as const

/**
 * The console operator as the attribution of a change made through the revocation code
 * (`client.*`, `grant.revoked`), which emits the typed event itself.
 */
export const operatorBy = (deps: AdminDeps, op: Operator): OperatorAttribution => ({
  emit: deps.emit,
  ...consoleActor(op),
})

/** `admin.action`: a console operation with no typed event of its own (never a secret). */
export function auditAdminAction(
  deps: AdminDeps,
  op: Operator,
  action: string,
  target: string,
): void {
  deps.emit({ type: 'admin.action', sub: op.user.id, user_name: op.user.name, action, target })
}

/**
 * A console request of a signed-in user that was refused (not an operator, no second factor,
 * an expired or foreign form). Signed-out requests are only sent to sign in, not recorded:
 * there is nobody to attribute them to, and anyone could fill the audit queue with them.
 */
export function auditRefusal(
  deps: AdminDeps,
  user: { id: string; name: string },
  path: string,
  reason: AdminRefusal,
): void {
  deps.emit({
    type: 'admin.action',
    outcome: 'denied',
    sub: user.id,
    user_name: user.name,
    action: actionName(path),
    reason,
  })
}
