import { errors } from 'oidc-provider'
import type { Adapter, AdapterPayload } from 'oidc-provider'
import type { Store } from '@mandate/store'
import { sha256Hex } from '../lib/hash.ts'
import { revokeAccessToken } from '../lib/access-token-records.ts'
import { precompiled } from '../lib/precompiled.ts'

const JWT_ALIAS_PREFIX = 'jwtref:'

export interface StoreAdapterOptions {
  /**
   * How long a rotated refresh token stays usable once more, so that two parallel refreshes
   * of one client do not revoke its grant (RFC 9700 §4.14.2 leaves the policy to the AS).
   * Default 10 s; 0 disables the grace.
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

/**
 * An oidc-provider adapter class on the Mandate store (SQLite or PostgreSQL). Records are
 * keyed by a SHA-256 of their id and stored without the id, so that a database dump yields
 * no usable authorization code, refresh token, session cookie or registration token.
 */
export function storeAdapterClass(
  store: Store,
  options: StoreAdapterOptions = {},
): new (name: string) => Adapter {
  const graceMs = options.refreshGraceMs ?? 10_000
  const { db } = store

  // The queries of every token request, prepared once (see lib/precompiled.ts).
  const findRecord = precompiled(db, 2, (model: string, idHash: string) =>
    db
      .selectFrom('as_oidc_records')
      .select(['payload', 'expires_at', 'consumed_at', 'reuse_count'])
      .where('model', '=', model)
      .where('id_hash', '=', idHash),
  )
  const upsertRecord = precompiled(
    db,
    9,
    (
      model: string,
      idHash: string,
      payload: string,
      grantId: string | null,
      uidHash: string | null,
      userCodeHash: string | null,
      accountId: string | null,
      clientId: string | null,
      expiresAt: number | null,
    ) =>
      db
        .insertInto('as_oidc_records')
        .values({
          model,
          id_hash: idHash,
          payload,
          grant_id: grantId,
          uid_hash: uidHash,
          user_code_hash: userCodeHash,
          account_id: accountId,
          client_id: clientId,
          expires_at: expiresAt,
          consumed_at: null,
        })
        .onConflict((conflict) =>
          conflict.columns(['model', 'id_hash']).doUpdateSet({
            payload,
            grant_id: grantId,
            uid_hash: uidHash,
            user_code_hash: userCodeHash,
            account_id: accountId,
            client_id: clientId,
            expires_at: expiresAt,
          }),
        ),
  )
  const consumeOnce = precompiled(db, 3, (now: number, model: string, idHash: string) =>
    db
      .updateTable('as_oidc_records')
      .set({ consumed_at: now })
      .where('model', '=', model)
      .where('id_hash', '=', idHash)
      .where('consumed_at', 'is', null)
      .returning('model'),
  )
  // A rotated refresh token may be consumed once more within the grace window.
  const consumeWithGrace = precompiled(
    db,
    4,
    (now: number, graceStart: number, model: string, idHash: string) =>
      db
        .updateTable('as_oidc_records')
        .set((eb) => ({
          consumed_at: eb.fn.coalesce('consumed_at', eb.val(now)),
          reuse_count: eb
            .case()
            .when('consumed_at', 'is', null)
            .then(0)
            .else(eb('reuse_count', '+', 1))
            .end(),
        }))
        .where('model', '=', model)
        .where('id_hash', '=', idHash)
        .where((eb) =>
          eb.or([
            eb('consumed_at', 'is', null),
            eb.and([eb('consumed_at', '>', graceStart), eb('reuse_count', '<', 1)]),
          ]),
        )
        .returning('model'),
  )

  async function revokeGrant(grantId: string): Promise<void> {
    await db.deleteFrom('as_oidc_records').where('grant_id', '=', grantId).execute()
    await db
      .updateTable('as_access_tokens')
      .set({ revoked_at: Date.now() })
      .where('grant_id', '=', grantId)
      .where('revoked_at', 'is', null)
      .execute()
  }

  return class StoreAdapter implements Adapter {
    readonly name: string

    constructor(name: string) {
      this.name = name
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      if (this.name === 'ReplayDetection') return // recorded atomically by find()
      const now = Date.now()
      const grant = this.name === 'Grant'
      await upsertRecord(
        this.name,
        sha256Hex(id),
        JSON.stringify(withoutId(this.name, payload)),
        grant ? id : (payload.grantId ?? null),
        payload.uid === undefined ? null : sha256Hex(payload.uid),
        payload.userCode === undefined ? null : sha256Hex(payload.userCode),
        // Grants are remembered per user and client across sessions (see lib/grants.ts).
        grant ? (payload.accountId ?? null) : null,
        grant ? (payload.clientId ?? null) : null,
        this.name === 'Client'
          ? now + (options.clientTtlMs ?? 30 * 86_400_000)
          : expiresIn > 0
            ? now + expiresIn * 1000
            : null,
      )
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.name === 'ReplayDetection') return findReplay(id)
      if (this.name === 'AccessToken' && id.startsWith(JWT_ALIAS_PREFIX)) {
        const jwt = Buffer.from(id.slice(JWT_ALIAS_PREFIX.length), 'base64url').toString('utf8')
        return options.resolveJwtAccessToken?.(jwt)
      }
      if (this.name === 'AccessToken' && id.includes('.')) {
        return options.resolveJwtAccessToken?.(id)
      }
      const row = (await findRecord(this.name, sha256Hex(id))).rows[0]
      if (row === undefined) return undefined
      return this.toPayload(id, row)
    }

    findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return this.findByHash('uid_hash', uid)
    }

    findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return this.findByHash('user_code_hash', userCode)
    }

    /** A record by the hash of one of its secondary identifiers (never stored in clear). */
    async findByHash(
      column: 'uid_hash' | 'user_code_hash',
      value: string,
    ): Promise<AdapterPayload | undefined> {
      const row = await db
        .selectFrom('as_oidc_records')
        .select(['payload', 'expires_at', 'consumed_at', 'reuse_count'])
        .where('model', '=', this.name)
        .where(column, '=', sha256Hex(value))
        .executeTakeFirst()
      if (row === undefined) return undefined
      return this.toPayload(undefined, row)
    }

    /**
     * Marks the record consumed, atomically: of N concurrent consumers (on any instance)
     * exactly one wins; the others revoke the grant and fail with `invalid_grant`, as a
     * replayed code or refresh token must (RFC 9700 §4.5, §4.14.2). A rotated refresh
     * token may be consumed once more within the grace window.
     */
    async consume(id: string): Promise<void> {
      const now = Date.now()
      const idHash = sha256Hex(id)
      const updated =
        this.name === 'RefreshToken' && graceMs > 0
          ? await consumeWithGrace(now, now - graceMs, this.name, idHash)
          : await consumeOnce(now, this.name, idHash)
      if (updated.rows.length > 0) return
      if (!CONSUMABLE.has(this.name)) return
      const row = await db
        .selectFrom('as_oidc_records')
        .select('grant_id')
        .where('model', '=', this.name)
        .where('id_hash', '=', idHash)
        .executeTakeFirst()
      if (row?.grant_id != null) await revokeGrant(row.grant_id)
      throw new errors.InvalidGrant('grant already used')
    }

    async destroy(id: string): Promise<void> {
      if (this.name === 'AccessToken') await revokeAccessToken(store, id)
      await db
        .deleteFrom('as_oidc_records')
        .where('model', '=', this.name)
        .where('id_hash', '=', sha256Hex(id))
        .execute()
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await db
        .deleteFrom('as_oidc_records')
        .where('model', '=', this.name)
        .where('grant_id', '=', grantId)
        .execute()
      if (this.name === 'AccessToken') {
        await db
          .updateTable('as_access_tokens')
          .set({ revoked_at: Date.now() })
          .where('grant_id', '=', grantId)
          .where('revoked_at', 'is', null)
          .execute()
      }
    }

    private toPayload(
      id: string | undefined,
      row: {
        payload: string
        expires_at: number | null
        consumed_at: number | null
        reuse_count: number
      },
    ): AdapterPayload | undefined {
      const now = Date.now()
      if (row.expires_at !== null && row.expires_at <= now) return undefined
      const payload = JSON.parse(row.payload) as AdapterPayload
      if (id !== undefined && this.name !== 'Client') payload.jti = id
      if (row.consumed_at !== null) {
        const consumedAt = row.consumed_at
        const inGrace =
          this.name === 'RefreshToken' && consumedAt > now - graceMs && row.reuse_count < 1
        if (!inGrace) payload.consumed = Math.floor(consumedAt / 1000)
      }
      return payload
    }
  }

  // ReplayDetection.unique() does find-then-save, which is not atomic across instances
  // (catalogue #114); the atomic set-if-absent happens here and the save is a no-op.
  async function findReplay(id: string): Promise<AdapterPayload | undefined> {
    const fresh = await store.setIfAbsent(`as:replay:${id}`, REPLAY_TTL_MS)
    if (fresh) return undefined
    const iat = Math.floor(Date.now() / 1000)
    return { jti: id, iat, exp: iat + REPLAY_TTL_MS / 1000, iss: 'replay' }
  }
}

/** Purges expired records (called periodically by the server). */
export async function purgeExpiredRecords(store: Store, now: number = Date.now()): Promise<void> {
  await store.db.deleteFrom('as_oidc_records').where('expires_at', '<=', now).execute()
  await store.db.deleteFrom('as_access_tokens').where('expires_at', '<=', now).execute()
}

function withoutId(model: string, payload: AdapterPayload): AdapterPayload {
  if (model === 'Client') return payload
  const rest = { ...payload }
  delete rest.jti
  return rest
}

/** Keeps a dynamically registered client alive while it obtains tokens (DCR hygiene). */
export async function extendClientLifetime(
  store: Store,
  clientId: string,
  ttlMs: number,
  now: number = Date.now(),
): Promise<void> {
  await store.db
    .updateTable('as_oidc_records')
    .set({ expires_at: now + ttlMs })
    .where('model', '=', 'Client')
    .where('id_hash', '=', sha256Hex(clientId))
    .execute()
}
