import type { Adapter, AdapterPayload } from 'oidc-provider'
import { purgeExpiredOidcRecords, purgeRevocations, setOidcRecordExpiry } from '@mandate/store'
import type { Store } from '@mandate/store'
import { sha256Hex } from '../lib/hash.ts'
import { recordWrites } from './group-commit.ts'
import { OidcRecordAdapter } from './oidc-record-adapter.ts'
import type { AdapterContext } from './oidc-record-adapter.ts'
import { DEFAULT_CLIENT_TTL_MS } from './record-payload.ts'

/** How the adapter treats refresh-token races, JWT access tokens and unused clients. */
export interface StoreAdapterOptions {
  /**
   * How long a rotated refresh token stays usable once more, so that two parallel refreshes
   * of one client do not revoke its grant (RFC 9700 §4.14.2 leaves the policy to the AS);
   * never once its successor was used (refresh-grace.ts). Default 0: no grace.
   */
  refreshGraceMs?: number
  /**
   * Resolves a JWT access token (not stored: RFC 9068 tokens are self-contained) to the
   * payload oidc-provider expects, so that introspection and revocation work for them.
   */
  resolveJwtAccessToken?: (value: string) => Promise<AdapterPayload | undefined>
  /** Dynamically registered clients expire when unused for this long. Default 30 days. */
  clientTtlMs?: number
}

/**
 * An oidc-provider adapter class on the Mandate store (SQLite or PostgreSQL). Records are
 * keyed by a SHA-256 of their id and stored without the id, so that a database dump yields
 * no usable authorization code, refresh token, session cookie or registration token; a
 * client's secret is stored as a SHA-256 only (clients/client-secret.ts compares against it).
 * On SQLite the writes of one event-loop turn share one commit (group-commit.ts).
 * @example
 * ```ts
 * const provider = new Provider(issuer, { adapter: storeAdapterClass(store), ...configuration })
 * ```
 */
export function storeAdapterClass(
  store: Store,
  options: StoreAdapterOptions = {},
): new (name: string) => Adapter {
  const context: AdapterContext = Object.freeze({
    store,
    write: recordWrites(store),
    graceMs: options.refreshGraceMs ?? 0,
    clientTtlMs: options.clientTtlMs ?? DEFAULT_CLIENT_TTL_MS,
    resolveJwtAccessToken: options.resolveJwtAccessToken,
  })
  return class StoreAdapter extends OidcRecordAdapter {
    constructor(name: string) {
      super(name, context)
    }
  }
}

/** Purges expired records (called periodically by the server). */
export async function purgeExpiredRecords(store: Store, now: number = Date.now()): Promise<void> {
  await recordWrites(store)((tx) => purgeExpiredOidcRecords(tx, now))
  await purgeRevocations(store, now)
}

/** Keeps a dynamically registered client alive while it obtains tokens (DCR hygiene). */
export async function extendClientLifetime(
  store: Store,
  clientId: string,
  ttlMs: number,
  now: number = Date.now(),
): Promise<void> {
  const idHash = sha256Hex(clientId)
  await recordWrites(store)((tx) => setOidcRecordExpiry(tx, 'Client', idHash, now + ttlMs))
}
