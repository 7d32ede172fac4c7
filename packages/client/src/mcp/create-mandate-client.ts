import { Client, mergeCapabilities } from '@modelcontextprotocol/client'
import type { ClientOptions, Implementation } from '@modelcontextprotocol/client'

import type { UrlElicitationSupport } from '../elicitation/url-elicitation-options.ts'

/** The SDK's client options, plus Mandate's URL elicitation support. */
export interface MandateClientOptions extends ClientOptions {
  /** Declares URL elicitation and registers its handlers on the new client. */
  elicitation?: UrlElicitationSupport
}

/**
 * An SDK v2 `Client` that offers MCP 2026-07-28 and falls back to 2025-11-25 (`server/discover`
 * probe, then `initialize`: the SDK's `versionNegotiation: { mode: 'auto' }`), where the SDK
 * alone speaks only the 2025 protocol. `versionNegotiation` in `options` still wins.
 */
export function createMandateClient(
  info: Implementation,
  options: MandateClientOptions = {},
): Client {
  const { elicitation, capabilities = {}, ...rest } = options
  const client = new Client(info, {
    versionNegotiation: { mode: 'auto' },
    ...rest,
    capabilities:
      elicitation === undefined
        ? capabilities
        : mergeCapabilities(capabilities, elicitation.capabilities),
  })
  elicitation?.attach(client)
  return client
}
