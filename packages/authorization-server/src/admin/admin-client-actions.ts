import { enableClient, removeClient } from '../revocation/operator-clients.ts'
import { revokeGrantAsOperator } from '../revocation/operator-grants.ts'
import type { AdminAction } from './admin-actions.ts'
import { formField } from './admin-actions.ts'
import { operatorBy } from './admin-action-audit.ts'

/**
 * The clients and grants sections' actions: the code behind `mandate clients …` and `mandate
 * grants revoke`, attributed to the operator. It publishes the revocation event (`client`,
 * `grant`) and emits the typed audit event (`client.*`, `grant.revoked`, `actor: console`).
 */
export const CLIENT_ACTIONS: readonly AdminAction[] = [
  // Grants end, every token of the client is refused everywhere.
  ...(['disable', 'delete'] as const).map((how): AdminAction => ({
    path: `/clients/${how}`,
    section: 'clients',
    run: async (deps, form, op) => {
      const id = formField(form['client'])
      if (deps.configuredClients.has(id)) return 'not_found'
      return (await removeClient(deps.store, id, how, operatorBy(deps, op))) ? 'done' : 'not_found'
    },
  })),
  // Enabling again refuses nothing and restores nothing: earlier tokens stay refused.
  {
    path: '/clients/enable',
    section: 'clients',
    run: async (deps, form, op) => {
      const id = formField(form['client'])
      if (deps.configuredClients.has(id)) return 'not_found'
      const done = await enableClient(deps.store, id, operatorBy(deps, op))
      return done === 'not_found' ? 'not_found' : 'done'
    },
  },
  {
    path: '/grants/revoke',
    section: 'grants',
    run: async (deps, form, op) => {
      const revoked = await revokeGrantAsOperator(
        deps.store,
        formField(form['grant']),
        operatorBy(deps, op),
      )
      return revoked ? 'done' : 'not_found'
    },
  },
]
