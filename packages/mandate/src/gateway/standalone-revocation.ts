import { ConfigurationError } from '@mandate/core'
import type { Logger } from '@mandate/core'
import { httpRevocationFeed } from '@mandate/server'
import type { GatewayOptions } from '@mandate/gateway'
import type { MandateConfig } from '../config/schema.ts'
import { readSecretFile } from '../providers/load-providers.ts'

/**
 * How `mandate gateway` alone learns of revocations (issue 12, docs/revocation.md): it shares
 * no store with the authorization server, so it long-polls the AS's signed feed as its own
 * confidential client (`gateway.clientId`, listed in the gateway resource's
 * `introspectionClients` there). The front then refuses every token — cached verifications
 * included — while the last verified page is older than `staleAfterMs` (fail closed), and the
 * gateway acts on each event as under `mandate serve` (sessions closed, exchanged tokens
 * forgotten). Without the feed (`revocation.feed: false`) a warning says what is lost.
 */
export function standaloneRevocation(
  section: MandateConfig['gateway'],
  issuer: string,
  logger: Logger,
): Pick<GatewayOptions, 'revocationFeed' | 'revocationStaleAfterMs'> {
  const settings = section.revocation
  if (!settings.feed) {
    logger.warn('gateway revocation feed off: revoked tokens are accepted until they expire')
    return {}
  }
  if (section.clientSecretFile === undefined) {
    throw new ConfigurationError(
      'gateway.clientSecretFile',
      'gateway.clientSecretFile is required: the revocation feed needs the client secret (or set gateway.revocation.feed to false)',
    )
  }
  return {
    revocationFeed: httpRevocationFeed({
      issuer,
      clientId: section.clientId,
      clientSecret: readSecretFile(section.clientSecretFile, 'gateway.clientSecretFile'),
      waitSeconds: settings.waitSeconds,
      logger,
      ...(settings.feedUrl === undefined ? {} : { url: settings.feedUrl }),
    }),
    revocationStaleAfterMs: settings.staleAfterMs,
  }
}
