import {
  countSealedValuesWithKeyVersion,
  countVaultRecordsWithKeyVersion,
  deleteMeta,
} from '@mandate/store'
import type { Store } from '@mandate/store'
import { VaultError } from '../errors.ts'
import { keyCheckName } from '../keys/key-check.ts'
import { removeKeyFileVersion } from '../keys/key-file-versions.ts'
import { readKeyFile } from '../keys/key-file.ts'
import { KEYS_CHANNEL } from '../lib/vault-keys.ts'

/**
 * `mandate keys retire <version>`: removes an old key version from the key file, only when no
 * record uses it any more, vault record or sealed value (catalogue #196) and it is not the active one. Serialised with the
 * re-wrap job.
 * @throws VaultError `ERR_VAULT_KEY_ACTIVE`, `ERR_VAULT_KEY_IN_USE`, `ERR_VAULT_KEY_UNKNOWN`.
 */
export async function retireKeyVersion(store: Store, path: string, version: number): Promise<void> {
  await store.withLock('vault:rewrap', async () => {
    const ring = readKeyFile(path)
    if (!ring.keys.has(version)) {
      throw new VaultError(
        'ERR_VAULT_KEY_UNKNOWN',
        `key version ${String(version)} is not in the key file`,
      )
    }
    if (ring.active === version) {
      throw new VaultError(
        'ERR_VAULT_KEY_ACTIVE',
        `key version ${String(version)} is the active one; rotate first`,
      )
    }
    // Vault records and the secrets other components sealed with `sealValue` alike.
    const records = await countVaultRecordsWithKeyVersion(store, version)
    const sealed = await countSealedValuesWithKeyVersion(store, version)
    if (records + sealed > 0) {
      throw new VaultError(
        'ERR_VAULT_KEY_IN_USE',
        `key version ${String(version)} still protects ${String(records + sealed)} records (${String(records)} vault, ${String(sealed)} sealed values and links in progress); run "mandate keys rewrap" first, and let links in progress finish`,
      )
    }
    removeKeyFileVersion(path, version)
    // The key check for this version goes too, or the next start would ask for the key back.
    await deleteMeta(store, keyCheckName(version))
    await store.publish(KEYS_CHANNEL, { retired: version })
  })
}
