import * as oauth from 'oauth4webapi'
import { deleteVaultCredential, getVaultCredential, publishRevocation } from '@mandate/store'
import { VaultError } from '../errors.ts'
import type { VaultContext } from '../lib/context.ts'
import { openCredential } from '../lib/credential-secret.ts'

/** What unlinking did at the provider (the record is deleted either way). */
export interface UnlinkResult {
  /** True when the provider confirmed revocation (RFC 7009); false when it has none or failed. */
  revoked: boolean
}

/**
 * Unlinks one of the user's accounts: revokes the tokens at the provider where it supports
 * RFC 7009 (the refresh token first, which ends the grant, §2.1), then deletes the record and
 * its wrapped data key. Runs under the credential's refresh lock so no refresh writes it back.
 * A failed revocation is audited and does not keep the record (catalogue #202).
 * @throws VaultError `ERR_VAULT_NOT_FOUND`.
 */
export async function unlinkCredential(
  ctx: VaultContext,
  sub: string,
  id: string,
): Promise<UnlinkResult> {
  return ctx.store.withLock(`vault:refresh:${id}`, async () => {
    const row = await getVaultCredential(ctx.store, sub, id)
    if (row === undefined) throw new VaultError('ERR_VAULT_NOT_FOUND', 'no such linked account')
    let revoked = false
    const definition = ctx.catalog.get(row.provider)
    if (
      row.kind === 'oauth' &&
      definition !== undefined &&
      definition.kind !== 'api_key' &&
      definition.revocation === 'rfc7009'
    ) {
      try {
        const secret = await openCredential(ctx.keys, row)
        const signal = AbortSignal.timeout(ctx.refreshTimeoutMs)
        const as = await ctx.endpoints.authorizationServer(definition, signal)
        const { client, auth } = await ctx.endpoints.clientAuth(definition)
        const tokens: [string | undefined, string][] = [
          [secret.refresh_token, 'refresh_token'],
          [secret.access_token, 'access_token'],
        ]
        for (const [token, hint] of tokens) {
          if (token === undefined) continue
          const response = await oauth.revocationRequest(as, client, auth, token, {
            ...ctx.endpoints.requestOptions(definition, signal),
            additionalParameters: { token_type_hint: hint },
          })
          await oauth.processRevocationResponse(response)
        }
        revoked = true
      } catch (error) {
        ctx.logger.warn('revocation at the provider failed', {
          credential_id: id,
          provider: row.provider,
          reason: error instanceof Error ? error.name : 'error',
        })
        await ctx.audit({
          type: 'vault.credential.revocation_failed',
          sub,
          provider: row.provider,
          credential_id: id,
        })
      }
    }
    await deleteVaultCredential(ctx.store, sub, id)
    // Gone at once for every reader (the vault caches no credential); announced so that
    // consumers holding state about the link drop it (docs/revocation.md).
    await publishRevocation(
      ctx.store,
      {
        type: 'credential',
        sub,
        provider: row.provider,
        credential_id: id,
        reason: 'credential_unlinked',
      },
      Date.now() + 3_600_000,
    )
    await ctx.audit({
      type: 'vault.credential.unlinked',
      sub,
      provider: row.provider,
      credential_id: id,
      reason: revoked ? 'revoked' : 'deleted',
    })
    return { revoked }
  })
}
