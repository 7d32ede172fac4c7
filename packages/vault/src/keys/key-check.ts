import { createHmac, timingSafeEqual } from 'node:crypto'
import { ConfigurationError } from '@mandate/core'
import { listMeta, setMetaIfAbsent } from '@mandate/store'
import type { Store } from '@mandate/store'
import type { KeyRing } from './key-ring.ts'

const PREFIX = 'key_check:v'

/** The `mandate_meta` name holding a key version's check value. */
export function keyCheckName(version: number): string {
  return `${PREFIX}${String(version)}`
}

/** A value that identifies a key without revealing it: HMAC-SHA256 of a fixed label. */
export function keyCheckValue(key: Uint8Array): string {
  return createHmac('sha256', key).update('mandate/key-check/1').digest('base64url')
}

/**
 * Fails closed when the key ring does not belong to this database: the database records a
 * check value per key version on first use, and every later start must present the same keys.
 * @throws ConfigurationError naming `keys` when a key differs or a version in use is missing.
 */
export async function verifyKeyRing(store: Store, ring: KeyRing): Promise<void> {
  for (const [version, key] of ring.keys) {
    const expected = keyCheckValue(key)
    const recorded = await setMetaIfAbsent(store, keyCheckName(version), expected)
    if (!safeEqual(recorded, expected)) {
      throw new ConfigurationError(
        'keys',
        `master key version ${String(version)} does not match the one this database was set up with; restore the original key file`,
      )
    }
  }
  for (const { name } of await listMeta(store, PREFIX)) {
    const version = Number(name.slice(PREFIX.length))
    if (!ring.keys.has(version)) {
      throw new ConfigurationError(
        'keys',
        `the database uses master key version ${String(version)}, which the key source does not contain; restore the original key file`,
      )
    }
  }
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}
