import type { AdapterPayload } from 'oidc-provider'
import type { OidcRecordState, OidcRecordWrite } from '@mandate/store'
import { hashClientSecret } from '../clients/client-secret.ts'
import { sha256Hex } from '../lib/hash.ts'

// How an oidc-provider payload becomes a stored record and back. Records are keyed by a
// SHA-256 of their id and stored without the id, so that a database dump yields no usable
// authorization code, refresh token, session cookie or registration token.

/** Dynamically registered clients expire when unused for this long by default (30 days). */
export const DEFAULT_CLIENT_TTL_MS = 30 * 86_400_000

/** The record to store for a payload of `model` with id `id`, written at `now`. */
export function recordFor(
  model: string,
  id: string,
  payload: AdapterPayload,
  expiresIn: number,
  clientTtlMs: number,
  now: number,
): OidcRecordWrite {
  const grant = model === 'Grant'
  return {
    model,
    id_hash: sha256Hex(id),
    payload: JSON.stringify(withoutId(model, payload)),
    grant_id: grant ? id : (payload.grantId ?? null),
    uid_hash: payload.uid === undefined ? null : sha256Hex(payload.uid),
    user_code_hash: payload.userCode === undefined ? null : sha256Hex(payload.userCode),
    // Grants are remembered per user and client across sessions (see grants/grant-summaries.ts).
    account_id: grant ? (payload.accountId ?? null) : null,
    client_id: grant ? (payload.clientId ?? null) : null,
    expires_at:
      model === 'Client' ? now + clientTtlMs : expiresIn > 0 ? now + expiresIn * 1000 : null,
  }
}

/**
 * The payload oidc-provider expects from a stored record, or undefined when the record expired
 * or is a client the operator disabled. A consumed record carries `consumed`, except a rotated
 * refresh token still inside its grace window.
 */
export function payloadOf(
  model: string,
  id: string | undefined,
  row: OidcRecordState,
  graceMs: number,
  now: number = Date.now(),
): AdapterPayload | undefined {
  if (row.expires_at !== null && row.expires_at <= now) return undefined
  // A client disabled by the operator (`mandate clients disable`) is unknown from now on.
  if (model === 'Client' && row.consumed_at !== null) return undefined
  const payload = JSON.parse(row.payload) as AdapterPayload
  if (id !== undefined && model !== 'Client') payload.jti = id
  if (row.consumed_at !== null) {
    const consumedAt = row.consumed_at
    const inGrace = model === 'RefreshToken' && consumedAt > now - graceMs && row.reuse_count < 1
    if (!inGrace) payload.consumed = Math.floor(consumedAt / 1000)
  }
  return payload
}

/** A client's secret is stored as a SHA-256 only; other records lose their id (`jti`). */
function withoutId(model: string, payload: AdapterPayload): AdapterPayload {
  if (model === 'Client') {
    return typeof payload.client_secret === 'string'
      ? { ...payload, client_secret: hashClientSecret(payload.client_secret) }
      : payload
  }
  const rest = { ...payload }
  delete rest.jti
  return rest
}
