import { createCipheriv, createDecipheriv, createSecretKey, randomBytes } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { VaultError } from '../errors.ts'
import type { KeyRing } from './key-ring.ts'

/**
 * Wraps and unwraps data keys under a versioned key-encryption key (KEK). The local key ring
 * implements it with AES-256-GCM; a KMS implements it with its own encrypt/decrypt calls, and
 * then the KEK never enters this process. `wrapped` is opaque to the vault.
 */
export interface KeyWrapper {
  /** For logs: where the keys live. Never key material. */
  readonly description: string
  /** The version new data keys are wrapped with. */
  activeVersion(): number
  /** Every version this wrapper can unwrap. */
  versions(): readonly number[]
  wrap(version: number, dataKey: Uint8Array, aad: Uint8Array): Promise<Uint8Array>
  /** @throws VaultError `ERR_VAULT_KEY_UNKNOWN`, `ERR_VAULT_DECRYPT_FAILED`. */
  unwrap(version: number, wrapped: Uint8Array, aad: Uint8Array): Promise<Uint8Array>
}

/** The AES-GCM nonce size used for wrapped keys: 96 bits (NIST SP 800-38D §8.2). */
export const IV_BYTES = 12
/** The AES-GCM authentication tag size: 128 bits. */
export const TAG_BYTES = 16

/** A key wrapper over a local key ring: AES-256-GCM, 96-bit random IV, `iv ‖ ciphertext ‖ tag`. */
export function keyRingWrapper(
  ring: KeyRing,
  { randomIv = () => randomBytes(IV_BYTES) }: { randomIv?: () => Uint8Array } = {},
): KeyWrapper {
  // One KeyObject per KEK, made on first use: handing Node raw key bytes costs more than the
  // AES-GCM work itself on every cipher (docs/performance.md). The KEK bytes stay in the ring for
  // the process lifetime anyway; a ring replaced on reload takes its KeyObjects with it.
  const imported = new WeakMap<Uint8Array, KeyObject>()
  const kek = (version: number): KeyObject => {
    const bytes = ring.keys.get(version)
    if (bytes === undefined) {
      throw new VaultError('ERR_VAULT_KEY_UNKNOWN', `key version ${String(version)} is not loaded`)
    }
    let key = imported.get(bytes)
    if (key === undefined) {
      key = createSecretKey(bytes)
      imported.set(bytes, key)
    }
    return key
  }
  return {
    description: 'local key ring',
    activeVersion: () => ring.active,
    versions: () => [...ring.keys.keys()].sort((a, b) => a - b),
    wrap: (version, dataKey, aad) =>
      Promise.resolve(gcmSeal(kek(version), randomIv(), dataKey, aad)),
    unwrap: (version, wrapped, aad) => Promise.resolve(gcmOpen(kek(version), wrapped, aad)),
  }
}

/** AES-256-GCM encryption; returns `iv ‖ ciphertext ‖ tag`. */
export function gcmSeal(
  key: Uint8Array | KeyObject,
  iv: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
): Uint8Array {
  if (iv.length !== IV_BYTES) throw new RangeError('the IV must be 96 bits')
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
  cipher.setAAD(aad)
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return Buffer.concat([iv, body, cipher.getAuthTag()])
}

/**
 * AES-256-GCM decryption of `iv ‖ ciphertext ‖ tag`; the tag is verified before any plaintext
 * is returned (catalogue #194).
 * @throws VaultError `ERR_VAULT_DECRYPT_FAILED` on any mismatch (wrong key, AAD or bytes).
 */
export function gcmOpen(
  key: Uint8Array | KeyObject,
  sealed: Uint8Array,
  aad: Uint8Array,
): Uint8Array {
  if (sealed.length < IV_BYTES + TAG_BYTES) {
    throw new VaultError('ERR_VAULT_DECRYPT_FAILED', 'ciphertext is truncated')
  }
  const iv = sealed.subarray(0, IV_BYTES)
  const tag = sealed.subarray(sealed.length - TAG_BYTES)
  const body = sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
    decipher.setAAD(aad)
    decipher.setAuthTag(tag)
    return Buffer.concat([decipher.update(body), decipher.final()])
  } catch (error) {
    throw new VaultError('ERR_VAULT_DECRYPT_FAILED', 'ciphertext failed authentication', {
      cause: error,
    })
  }
}
