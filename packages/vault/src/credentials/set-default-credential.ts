import { setDefaultVaultCredential } from '@mandate/store'
import { VaultError } from '../errors.ts'
import type { VaultContext } from '../lib/context.ts'

/** Makes one of the user's accounts the default for its provider. */
export async function setDefaultCredential(
  ctx: VaultContext,
  sub: string,
  id: string,
): Promise<void> {
  if (!(await setDefaultVaultCredential(ctx.store, sub, id))) {
    throw new VaultError('ERR_VAULT_NOT_FOUND', 'no such linked account')
  }
}
