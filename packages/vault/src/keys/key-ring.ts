/**
 * The key-encryption keys (KEKs) of an installation: every version that may still wrap data,
 * and the one new writes use. Key bytes never leave this object except into crypto calls.
 */
export interface KeyRing {
  /** The version new data keys are wrapped with. */
  readonly active: number
  /** Version → 32-byte AES-256 key. */
  readonly keys: ReadonlyMap<number, Uint8Array>
}

/** Where the key ring comes from: the key file, the environment, or a KMS. */
export interface KeyProvider {
  /** A short description for logs and the banner, e.g. `file .mandate/master.key`. Never key material. */
  readonly description: string
  load(): Promise<KeyRing>
}

/** The size of a key-encryption key: 256 bits (AES-256-GCM). */
export const KEY_BYTES = 32
