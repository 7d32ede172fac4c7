import { queryAuditEvents } from '@mandate/store'
import type { Store } from '@mandate/store'
import type { RiskHistory } from './risk-signal.ts'

/**
 * The risk history from the stored audit trail (`mandate serve`): sign-ins are
 * `login.succeeded` events with their source address, a client's first use is the user's
 * oldest event naming it.
 */
export function storeRiskHistory(store: Pick<Store, 'db'>): RiskHistory {
  return {
    async signInAddresses(sub, since) {
      const events = await queryAuditEvents(store, {
        user: sub,
        type: 'login.succeeded',
        since,
        order: 'desc',
        limit: 1000,
      })
      return events.flatMap((e) => (typeof e.ip === 'string' ? [e.ip] : []))
    },
    async firstUseOfClient(sub, clientId, since) {
      const [first] = await queryAuditEvents(store, {
        user: sub,
        client: clientId,
        since,
        order: 'asc',
        limit: 1,
      })
      return first === undefined ? undefined : first.time
    },
  }
}
