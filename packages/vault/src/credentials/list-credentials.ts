import { listVaultCredentials } from '@mandate/store'
import type { VaultContext } from '../lib/context.ts'
import { toMetadata } from './credential-metadata.ts'
import type { CredentialMetadata } from './credential-metadata.ts'

/** The user's linked accounts, metadata only: no listing or export path returns a secret. */
export async function listCredentials(
  ctx: VaultContext,
  sub: string,
): Promise<CredentialMetadata[]> {
  return (await listVaultCredentials(ctx.store, sub)).map(toMetadata)
}
