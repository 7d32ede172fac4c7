import * as oauth from 'oauth4webapi'
import {
  getVaultCredential,
  markVaultNeedsReauth,
  recordVaultRefreshFailure,
  StoreError,
  swapVaultSecret,
} from '@mandate/store'
import type { VaultCredentialRow, VaultSecretUpdate } from '@mandate/store'
import { setTimeout as sleep } from 'node:timers/promises'
import { splitScopes } from '../credentials/credential-metadata.ts'
import { normaliseTokenType } from '../credentials/save-credential.ts'
import { VaultError } from '../errors.ts'
import type { VaultContext } from '../lib/context.ts'
import { openCredential, sealCredential } from '../lib/credential-secret.ts'
import type { CredentialSecret } from '../lib/credential-secret.ts'
import { describeFailure, requestRefresh } from '../lib/refresh-request.ts'
import { needsRefresh, stillValid } from '../lib/refresh-timing.ts'
import type { OAuthProviderDefinition } from '../providers/provider-definition.ts'

/**
 * Refreshes one credential, at most once at a time across every process: an in-process single
 * flight, then the store lock, then a re-read (another instance may have refreshed already),
 * and the write is a compare-and-swap on the version read (catalogue #188, #189).
 * Resolves to the current row, fresh.
 */
export function refreshCredential(
  ctx: VaultContext,
  sub: string,
  id: string,
  rejectedAccessToken?: string,
): Promise<VaultCredentialRow> {
  const running = ctx.inflight.get(id) as Promise<VaultCredentialRow> | undefined
  if (running !== undefined) return running
  const flight = lockedRefresh(ctx, sub, id, rejectedAccessToken).finally(() => {
    ctx.inflight.delete(id)
  })
  ctx.inflight.set(id, flight)
  return flight
}

async function lockedRefresh(
  ctx: VaultContext,
  sub: string,
  id: string,
  rejected: string | undefined,
): Promise<VaultCredentialRow> {
  try {
    return await ctx.store.withLock(
      `vault:refresh:${id}`,
      async (lost) => {
        const row = await readUsable(ctx, sub, id)
        const now = ctx.now()
        // A token the provider rejected (401) is refreshed once, unless someone already did.
        const forced =
          rejected !== undefined && (await openCredential(ctx.keys, row)).access_token === rejected
        if (!forced && !needsRefresh(row, now, ctx.refreshMarginMs)) return row
        if (row.refresh_blocked_until !== null && row.refresh_blocked_until > now) {
          if (!forced && stillValid(row, now)) return row
          throw unavailable(row.provider, row.refresh_blocked_until)
        }
        return await exchange(ctx, row, lost, forced)
      },
      // The lease must outlive the slowest provider call (catalogue #189).
      { timeoutMs: ctx.refreshTimeoutMs + 5_000 },
    )
  } catch (error) {
    if (error instanceof StoreError && error.code === 'ERR_STORE_LOCK_TIMEOUT') {
      // Re-read before failing: the holder may have finished just now (catalogue #188).
      const row = await readUsable(ctx, sub, id)
      if (!needsRefresh(row, ctx.now(), ctx.refreshMarginMs) || stillValid(row, ctx.now()))
        return row
      throw unavailable(row.provider, undefined, error)
    }
    throw error
  }
}

/**
 * The refresh itself, as steps: the token request (`requestTokens`), the rotated secret sealed
 * and written with a compare-and-swap (`storeRotated`), then the outcome (`settleSwap`).
 */
async function exchange(
  ctx: VaultContext,
  row: VaultCredentialRow,
  lost: AbortSignal,
  forced: boolean,
): Promise<VaultCredentialRow> {
  const definition = ctx.catalog.require(row.provider)
  if (definition.kind === 'api_key') return row
  const secret = await openCredential(ctx.keys, row)
  if (secret.refresh_token === undefined) {
    if (!forced && stillValid(row, ctx.now())) return row
    return needsReauth(ctx, row, 'no_refresh_token')
  }
  // Expiry counts from before the request was sent: never later than the provider's clock.
  const sentAt = ctx.now()
  const response = await requestTokens(ctx, definition, row, secret, lost, forced)
  if ('settled' in response) return response.settled
  const issued = response.tokens
  const next: CredentialSecret = {
    ...secret,
    access_token: issued.access_token,
    // A provider may not rotate: keep the old refresh token then (catalogue #205).
    refresh_token: issued.refresh_token ?? secret.refresh_token,
  }
  const sealed = await sealCredential(ctx.keys, row, next)
  const update = {
    secret: sealed.envelope,
    key_version: sealed.keyVersion,
    status: 'active' as const,
    scopes:
      issued.scope !== undefined
        ? splitScopes(
            issued.scope,
            definition.response_scope_separator ?? definition.scope_separator,
          ).join(' ')
        : row.scopes,
    token_type: normaliseTokenType(issued.token_type),
    expires_at: typeof issued.expires_in === 'number' ? sentAt + issued.expires_in * 1000 : null,
  }
  const swapped = await storeRotated(ctx, row, update)
  return settleSwap(ctx, row, swapped)
}

/**
 * Step: the refresh token grant. `invalid_grant` marks the credential `needs_reauth` unless a
 * racing writer rotated it meanwhile (then that row is returned); other failures start a
 * cooldown (`failed`); either way the settled row comes back instead of tokens.
 */
async function requestTokens(
  ctx: VaultContext,
  definition: OAuthProviderDefinition,
  row: VaultCredentialRow,
  secret: CredentialSecret,
  lost: AbortSignal,
  forced: boolean,
): Promise<{ tokens: oauth.TokenEndpointResponse } | { settled: VaultCredentialRow }> {
  const signal = AbortSignal.any([lost, AbortSignal.timeout(ctx.refreshTimeoutMs)])
  try {
    return { tokens: await requestRefresh(ctx, definition, secret, signal) }
  } catch (error) {
    if (error instanceof oauth.ResponseBodyError && error.error === 'invalid_grant') {
      // Re-read before declaring the credential broken: a racing writer may have rotated it.
      const current = await getVaultCredential(ctx.store, row.sub, row.id)
      if (current !== undefined && current.version !== row.version) return { settled: current }
      return needsReauth(ctx, row, 'invalid_grant')
    }
    return { settled: await failed(ctx, row, error, forced) }
  }
}

/**
 * Step: the compare-and-swap write. The rotated refresh token exists only in memory until this
 * write succeeds: transient database errors are retried before giving up (catalogue #190).
 */
async function storeRotated(
  ctx: VaultContext,
  row: VaultCredentialRow,
  update: VaultSecretUpdate,
): Promise<boolean> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await swapVaultSecret(ctx.store, row.id, row.version, update, ctx.now())
    } catch (error) {
      if (attempt >= 4) {
        ctx.logger.error('rotated credential could not be stored', {
          credential_id: row.id,
          provider: row.provider,
          error,
        })
        await ctx.audit({
          type: 'vault.credential.refresh_failed',
          sub: row.sub,
          provider: row.provider,
          credential_id: row.id,
          reason: 'refresh_token_lost',
        })
        throw unavailable(row.provider, undefined, error)
      }
      await sleep(50 * 2 ** attempt)
    }
  }
}

/**
 * Step: after the write. A lost swap means someone wrote since our read although we held the
 * lock (lease lost): theirs stands when it is usable. A won swap is audited as a refresh.
 */
async function settleSwap(
  ctx: VaultContext,
  row: VaultCredentialRow,
  swapped: boolean,
): Promise<VaultCredentialRow> {
  const current = await getVaultCredential(ctx.store, row.sub, row.id)
  if (!swapped) {
    ctx.logger.error('credential changed during refresh', {
      credential_id: row.id,
      provider: row.provider,
    })
    await ctx.audit({
      type: 'vault.credential.refresh_failed',
      sub: row.sub,
      provider: row.provider,
      credential_id: row.id,
      reason: 'refresh_conflict',
    })
    if (
      current !== undefined &&
      current.status === 'active' &&
      !needsRefresh(current, ctx.now(), 0)
    ) {
      return current
    }
    throw unavailable(row.provider)
  }
  await ctx.audit({
    type: 'vault.credential.refreshed',
    sub: row.sub,
    provider: row.provider,
    credential_id: row.id,
  })
  if (current === undefined)
    throw new VaultError('ERR_VAULT_NOT_LINKED', `no ${row.provider} account is linked`)
  return current
}

async function readUsable(ctx: VaultContext, sub: string, id: string): Promise<VaultCredentialRow> {
  const row = await getVaultCredential(ctx.store, sub, id)
  if (row === undefined)
    throw new VaultError('ERR_VAULT_NOT_LINKED', 'the credential is no longer linked')
  if (row.status === 'needs_reauth') {
    throw new VaultError(
      'ERR_VAULT_NEEDS_REAUTH',
      `the ${row.provider} account must be linked again`,
    )
  }
  return row
}

async function needsReauth(
  ctx: VaultContext,
  row: VaultCredentialRow,
  reason: string,
): Promise<never> {
  await markVaultNeedsReauth(ctx.store, row.id, row.version, ctx.now())
  ctx.logger.warn('credential needs to be linked again', {
    credential_id: row.id,
    provider: row.provider,
    reason,
  })
  await ctx.audit({
    type: 'vault.credential.needs_reauth',
    sub: row.sub,
    provider: row.provider,
    credential_id: row.id,
    reason,
  })
  throw new VaultError('ERR_VAULT_NEEDS_REAUTH', `the ${row.provider} account must be linked again`)
}

async function failed(
  ctx: VaultContext,
  row: VaultCredentialRow,
  error: unknown,
  forced: boolean,
): Promise<VaultCredentialRow> {
  const failures = row.refresh_failures + 1
  const now = ctx.now()
  const blockedUntil = now + Math.min(ctx.cooldownBaseMs * 2 ** (failures - 1), ctx.cooldownMaxMs)
  await recordVaultRefreshFailure(ctx.store, row.id, failures, blockedUntil)
  const reason = describeFailure(error)
  ctx.logger.warn('credential refresh failed', {
    credential_id: row.id,
    provider: row.provider,
    reason,
    failures,
  })
  await ctx.audit({
    type: 'vault.credential.refresh_failed',
    sub: row.sub,
    provider: row.provider,
    credential_id: row.id,
    reason,
  })
  // Still-valid tokens are served through a short outage; expired ones fail closed.
  if (!forced && stillValid(row, now)) return row
  throw unavailable(row.provider, blockedUntil, error)
}

function unavailable(provider: string, retryAfter?: number, cause?: unknown): VaultError {
  const options: { cause?: unknown; retryAfter?: number } = {}
  if (retryAfter !== undefined) options.retryAfter = retryAfter
  if (cause !== undefined) options.cause = cause
  return new VaultError(
    'ERR_VAULT_PROVIDER_UNAVAILABLE',
    `${provider} is not answering; the credential cannot be refreshed right now`,
    options,
  )
}
