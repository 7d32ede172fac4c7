import type Provider from 'oidc-provider'
import type { ClientView } from '../pages/client-card.ts'

/**
 * A client as shown to people (consent, account, operator console). "Verified" only for an
 * operator-configured client, or a CIMD client (client_id is an https URL) whose redirect
 * URIs are all on the host of its metadata document.
 */
export async function describeClient(
  provider: Provider,
  clientId: string,
  configured: ReadonlySet<string>,
  redirectUri?: string,
): Promise<ClientView> {
  const client = await provider.Client.find(clientId).catch(() => undefined)
  const meta = (client?.metadata() ?? {}) as {
    client_name?: string
    logo_uri?: string
    client_id_issued_at?: number
    redirect_uris?: string[]
  }
  const idUrl = URL.parse(clientId)
  const redirects = meta.redirect_uris ?? []
  const cimdVerified =
    idUrl?.protocol === 'https:' &&
    redirects.length > 0 &&
    redirects.every((uri) => URL.parse(uri)?.host === idUrl.host)
  const firstRedirect = URL.parse(redirectUri ?? redirects[0] ?? '')
  const logo = URL.parse(meta.logo_uri ?? '')
  return {
    id: clientId,
    name: meta.client_name ?? clientId,
    host: idUrl?.host ?? firstRedirect?.host ?? clientId,
    logoHost: logo?.host,
    registeredAt:
      meta.client_id_issued_at === undefined ? undefined : meta.client_id_issued_at * 1000,
    verified: configured.has(clientId) || cimdVerified,
  }
}
