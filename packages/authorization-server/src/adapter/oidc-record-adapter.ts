import { errors } from 'oidc-provider'
import type { Adapter, AdapterPayload } from 'oidc-provider'
import {
  consumeOidcRecord,
  deleteOidcRecord,
  deleteOidcRecordsOfGrants,
  findOidcRecord,
  findOidcRecordBy,
  findOidcRecordGrant,
  upsertOidcRecord,
} from '@mandate/store'
import type { Store } from '@mandate/store'
import { revokeAccessToken } from '../access-tokens/access-token-records.ts'
import { sha256Hex } from '../lib/hash.ts'
import { announceGrantRevoked } from '../revocation/announce-revocation.ts'
import type { RecordWrite } from './group-commit.ts'
import { payloadOf, recordFor } from './record-payload.ts'
import { replayedAfterSuccessor } from './refresh-grace.ts'

const JWT_ALIAS_PREFIX = 'jwtref:'
// DPoP and client-assertion `jti`s are kept longer than any proof window (300 s in
// oidc-provider), so no proof can be replayed while it would still be accepted.
const REPLAY_TTL_MS = 600_000
// Consumable models: a consume must be an atomic compare-and-set (catalogue #30, #54).
const CONSUMABLE = new Set([
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PushedAuthorizationRequest',
])

/** What every adapter instance of one provider shares, resolved once by `storeAdapterClass`. */
export interface AdapterContext {
  readonly store: Store
  /** Refresh-token grace window, ms (0: none). */
  readonly graceMs: number
  readonly clientTtlMs: number
  readonly resolveJwtAccessToken:
    ((value: string) => Promise<AdapterPayload | undefined>) | undefined
  /** Runs a record write: in the next group commit on SQLite (group-commit.ts), else at once. */
  readonly write: RecordWrite
}

/**
 * oidc-provider's adapter for one model, on `as_oidc_records` through the store's
 * repositories. `storeAdapterClass` binds it to a store and options.
 */
export class OidcRecordAdapter implements Adapter {
  readonly name: string
  readonly #context: AdapterContext

  /** @param name the oidc-provider model (`Grant`, `RefreshToken`, `Client`, …) */
  constructor(name: string, context: AdapterContext) {
    this.name = name
    this.#context = context
  }

  /** Stores a record (ReplayDetection is recorded atomically by `find` instead). */
  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    if (this.name === 'ReplayDetection') return
    const { write, clientTtlMs } = this.#context
    const record = recordFor(this.name, id, payload, expiresIn, clientTtlMs, Date.now())
    await write((tx) => upsertOidcRecord(tx, record))
  }

  /** A record by id; JWT access tokens (not stored) are resolved from the token itself. */
  async find(id: string): Promise<AdapterPayload | undefined> {
    if (this.name === 'ReplayDetection') return findReplay(this.#context.store, id)
    if (this.name === 'AccessToken' && id.startsWith(JWT_ALIAS_PREFIX)) {
      const jwt = Buffer.from(id.slice(JWT_ALIAS_PREFIX.length), 'base64url').toString('utf8')
      return this.#context.resolveJwtAccessToken?.(jwt)
    }
    if (this.name === 'AccessToken' && id.includes('.')) {
      return this.#context.resolveJwtAccessToken?.(id)
    }
    const row = await findOidcRecord(this.#context.store, this.name, sha256Hex(id))
    if (row === undefined) return undefined
    return payloadOf(this.name, id, row, this.#context.graceMs)
  }

  /** A record by the interaction uid it carries. */
  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findByHash('uid_hash', uid)
  }

  /** A record by its device-flow user code. */
  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findByHash('user_code_hash', userCode)
  }

  /** A record by the hash of one of its secondary identifiers (never stored in clear). */
  async findByHash(
    column: 'uid_hash' | 'user_code_hash',
    value: string,
  ): Promise<AdapterPayload | undefined> {
    const row = await findOidcRecordBy(this.#context.store, this.name, column, sha256Hex(value))
    if (row === undefined) return undefined
    return payloadOf(this.name, undefined, row, this.#context.graceMs)
  }

  /**
   * Marks the record consumed, atomically: of N concurrent consumers (on any instance)
   * exactly one wins; the others revoke the grant and fail with `invalid_grant`, as a
   * replayed code or refresh token must (RFC 9700 §4.5, §4.14.2). A rotated refresh
   * token may be consumed once more within the grace window, unless its successor was
   * already used: that is a replay (refresh-grace.ts).
   */
  async consume(id: string): Promise<void> {
    const { store, graceMs, write } = this.#context
    const now = Date.now()
    const idHash = sha256Hex(id)
    const graceStart = this.name === 'RefreshToken' && graceMs > 0 ? now - graceMs : undefined
    const won = await write((tx) => consumeOidcRecord(tx, this.name, idHash, now, graceStart))
    if (won && !(await replayedAfterSuccessor(store, this.name, graceMs, idHash))) return
    if (!CONSUMABLE.has(this.name)) return
    const row = await findOidcRecordGrant(store, this.name, idHash)
    if (row?.grant_id != null) {
      // Announced before the grant's owner is deleted (the event names sub and client).
      const grantId = row.grant_id
      await announceGrantRevoked(store, grantId, 'refresh_reuse')
      await write((tx) => deleteOidcRecordsOfGrants(tx, [grantId]))
    }
    throw new errors.InvalidGrant('grant already used')
  }

  /**
   * Deletes a record; a destroyed access token goes on the revocation deny-list. Deletes go
   * through the same group commit as writes, so they keep their order with a write queued
   * before them (a record saved and then deleted is not stored again by the batch).
   */
  async destroy(id: string): Promise<void> {
    const { store, write } = this.#context
    if (this.name === 'AccessToken') await revokeAccessToken(store, id)
    const idHash = sha256Hex(id)
    await write((tx) => deleteOidcRecord(tx, this.name, idHash))
  }

  /** Deletes this model's records of a grant. */
  async revokeByGrantId(grantId: string): Promise<void> {
    await this.#context.write((tx) => deleteOidcRecordsOfGrants(tx, [grantId], this.name))
    // JWT access tokens are not stored: every one of the grant is refused from now on.
    if (this.name === 'AccessToken') {
      await announceGrantRevoked(this.#context.store, grantId, 'grant_revoked')
    }
  }
}

// ReplayDetection.unique() does find-then-save, which is not atomic across instances
// (catalogue #114); the atomic set-if-absent happens here and the save is a no-op.
async function findReplay(store: Store, id: string): Promise<AdapterPayload | undefined> {
  const fresh = await store.setIfAbsent(`as:replay:${id}`, REPLAY_TTL_MS)
  if (fresh) return undefined
  const iat = Math.floor(Date.now() / 1000)
  return { jti: id, iat, exp: iat + REPLAY_TTL_MS / 1000, iss: 'replay' }
}
