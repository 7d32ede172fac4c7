import type { Users } from '@mandate/authorization-server/operator'
import { deletePendingLinksOf } from '@mandate/store'
import { createProviderCatalog, openVault, VaultError } from '@mandate/vault'
import type { CliAudit } from '../../audit/cli-audit.ts'
import { loadProviders } from '../../providers/load-providers.ts'
import { providerFetch } from '../../providers/provider-fetch.ts'
import type { Runtime } from '../../runtime/open-runtime.ts'

/** What deleting a user removed besides the account. */
export interface DeletedUser {
  /** Linked third-party accounts unlinked (records deleted). */
  unlinked: number
  /** Of those, how many the provider confirmed revoking (RFC 7009). */
  revoked: number
  /** Account links in progress that were dropped. */
  pendingLinks: number
}

/**
 * `mandate users delete`: the user's account links in progress are dropped (a provider callback
 * then finds nothing), every linked account is unlinked as `/account` would (tokens revoked at
 * the provider where it supports RFC 7009, the record deleted, a `credential` revocation event
 * and a `vault.credential.unlinked` audit event each), then the account is deleted (grants,
 * sessions and tokens end everywhere). Providers come from the configuration and `mandate
 * providers`; a record of a provider no longer offered is deleted without a provider call.
 * Audited as `user.deleted` (`actor: cli`).
 * @throws `ERR_AS_USER_NOT_FOUND` when there is no such user (nothing is changed)
 */
export async function deleteUser(
  runtime: Runtime,
  users: Users,
  username: string,
  audit: CliAudit,
): Promise<DeletedUser> {
  const user = await users.findByUsername(username)
  if (user === undefined) {
    await users.delete(username) // throws ERR_AS_USER_NOT_FOUND
    return { unlinked: 0, revoked: 0, pendingLinks: 0 }
  }
  const pendingLinks = await deletePendingLinksOf(runtime.store, user.id)
  const providers = await loadProviders(runtime.config, runtime.store, runtime.logger)
  const vault = await openVault({
    store: runtime.store,
    keys: runtime.keyProvider,
    catalog: createProviderCatalog({ providers: providers.definitions }),
    // Provider calls go through the SSRF guard (catalogue #201), as in `mandate serve`.
    fetch: providerFetch(providers.definitions),
    logger: runtime.logger.child({ component: 'vault' }),
    backgroundRewrap: false,
    audit: (event) => {
      audit.emit({ ...event, actor: 'cli' })
    },
  })
  let unlinked = 0
  let revoked = 0
  try {
    for (const credential of await vault.listCredentials(user.id)) {
      try {
        const result = await vault.unlinkCredential(user.id, credential.id)
        unlinked += 1
        if (result.revoked) revoked += 1
      } catch (error) {
        // Unlinked meanwhile (the person on /account): already gone.
        if (!(error instanceof VaultError && error.code === 'ERR_VAULT_NOT_FOUND')) throw error
      }
    }
  } finally {
    await vault.close()
  }
  await users.delete(username)
  audit.by.emit({ type: 'user.deleted', actor: 'cli', user_id: user.id, username: user.username })
  return { unlinked, revoked, pendingLinks }
}
