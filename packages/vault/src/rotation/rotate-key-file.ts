import type { Store } from '@mandate/store'
import { verifyKeyRing } from '../keys/key-check.ts'
import { addKeyFileVersion } from '../keys/key-file-versions.ts'
import { readKeyFile } from '../keys/key-file.ts'
import { KEYS_CHANNEL } from '../lib/vault-keys.ts'

/**
 * `mandate keys rotate`: adds a key version to the key file and makes it active, records its
 * check value in the database, and tells every running instance to reload its keys. New
 * writes then use the new version; reads accept every version still in the file. Run
 * `rewrapRecords` (or let the background job do it) to move old records.
 * @returns the new active version.
 */
export async function rotateKeyFile(store: Store, path: string): Promise<number> {
  const version = addKeyFileVersion(path)
  await verifyKeyRing(store, readKeyFile(path))
  await store.publish(KEYS_CHANNEL, { rotated: version })
  return version
}
