import type Provider from 'oidc-provider'
import type { Store } from '@mandate/store'
import { describeClient } from '../clients/client-view.ts'
import type { ClientView } from '../pages/client-card.ts'
import { listClients } from '../revocation/operator-clients.ts'

/** How the server knows a client: configuration, dynamic registration (RFC 7591), or CIMD. */
export type ClientKind = 'configured' | 'dynamic' | 'cimd'

/** A client as the console lists it: how it is known, and whether it is disabled. */
export interface AdminClient extends ClientView {
  kind: ClientKind
  disabled: boolean
}

/**
 * Every client the server knows: configured ones (changed in the configuration file), and the
 * stored registrations (DCR; `mandate clients list`), disabled ones marked. Disabling and
 * deleting go through `removeClient` (revocation/operator-clients.ts).
 */
export async function listAdminClients(
  store: Store,
  provider: Provider,
  configured: ReadonlySet<string>,
): Promise<AdminClient[]> {
  const out: AdminClient[] = []
  for (const id of [...configured].sort()) {
    out.push({
      ...(await describeClient(provider, id, configured)),
      kind: 'configured',
      disabled: false,
    })
  }
  const stored = (await listClients(store)).sort((a, b) => a.clientId.localeCompare(b.clientId))
  for (const client of stored) {
    if (configured.has(client.clientId)) continue
    const kind: ClientKind = URL.canParse(client.clientId) ? 'cimd' : 'dynamic'
    // A disabled client is not found by the adapter any more: show what the record says.
    const view = client.disabled
      ? {
          id: client.clientId,
          name: client.name ?? client.clientId,
          host: client.clientId,
          verified: false,
        }
      : await describeClient(provider, client.clientId, configured)
    out.push({ ...view, kind, disabled: client.disabled })
  }
  return out
}
