import { html, relativeTime, t } from '@mandate/core'
import type { SafeHtml } from '@mandate/core'

/** How a client is shown to people: never by a bare `dcr_…` id alone. */
export interface ClientView {
  id: string
  name: string
  /** The host of the client_id URL (CIMD) or of its redirect URI. */
  host: string
  /** Host of `logo_uri` (the image itself is not loaded: no tracking pixel on our pages). */
  logoHost?: string | undefined
  /** When the client registered (DCR `client_id_issued_at`), ms. */
  registeredAt?: number | undefined
  /** Operator-configured, or a CIMD document whose host matches where it returns to. */
  verified: boolean
}

/**
 * The facts that identify a client on the consent page: its host (verified or not), where its
 * logo comes from, when it registered, and its id.
 */
export function clientCard(client: ClientView, now: number = Date.now()): SafeHtml {
  return html`<dl class="facts" data-testid="client-card">
    <dt>${t('client.application')}</dt>
    <dd>
      <span class="host" translate="no" data-testid="client-host">${client.host}</span>
      ${
        client.verified
          ? html`<span class="badge ok" data-testid="verified">${t('client.verified')}</span>`
          : html`<span class="badge warn">${t('client.unverified')}</span>`
      }
    </dd>
    ${
      client.logoHost === undefined
        ? ''
        : html`<dt>${t('client.logoHost')}</dt>
            <dd translate="no">${client.logoHost}</dd>`
    }
    ${
      client.registeredAt === undefined
        ? ''
        : html`<dt>${t('client.registered')}</dt>
            <dd>${relativeTime(client.registeredAt, now)}</dd>`
    }
    <dt>${t('client.id')}</dt>
    <dd><code translate="no">${client.id}</code></dd>
  </dl>`
}
