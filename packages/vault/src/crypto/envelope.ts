import { randomBytes } from 'node:crypto'
import { VaultError } from '../errors.ts'
import { gcmOpen, gcmSeal, IV_BYTES } from '../keys/key-wrapper.ts'
import type { KeyWrapper } from '../keys/key-wrapper.ts'

/**
 * What a ciphertext is bound to through AES-GCM associated data: the record's kind, owner,
 * provider and id. A ciphertext copied to another row, user or table fails to decrypt
 * (catalogue #194, #195). The `as_*` and `installation_secret` kinds are the secrets other
 * components seal with `sealValue`.
 */
export interface EnvelopeContext {
  kind:
    | 'credential'
    | 'provider_client'
    | 'link_transaction'
    | 'as_signing_key'
    | 'as_totp_secret'
    | 'installation_secret'
  sub: string
  provider: string
  recordId: string
}

/** Fixed randomness, for the golden test vectors only. */
export interface EnvelopeMaterial {
  dataKey: Uint8Array
  iv: Uint8Array
}

const FORMAT = 'mv1'
const DATA_KEY_BYTES = 32

/**
 * The envelope format `mv1.<key version>.<wrapped data key>.<payload>` (base64url parts):
 * a fresh 256-bit data key per write encrypts the payload with AES-256-GCM under a random
 * 96-bit IV (`iv ‖ ciphertext ‖ tag`); the data key is wrapped by KEK `<key version>`.
 */
export async function sealEnvelope(
  wrapper: KeyWrapper,
  context: EnvelopeContext,
  plaintext: Uint8Array,
  material?: EnvelopeMaterial,
): Promise<{ envelope: string; keyVersion: number }> {
  const keyVersion = wrapper.activeVersion()
  const dataKey = material?.dataKey ?? randomBytes(DATA_KEY_BYTES)
  try {
    const payload = gcmSeal(
      dataKey,
      material?.iv ?? randomBytes(IV_BYTES),
      plaintext,
      payloadAad(context),
    )
    const wrapped = await wrapper.wrap(keyVersion, dataKey, wrapAad(context, keyVersion))
    return { envelope: format(keyVersion, wrapped, payload), keyVersion }
  } finally {
    if (material === undefined) dataKey.fill(0)
  }
}

/**
 * Decrypts an envelope for the given context.
 * @throws VaultError `ERR_VAULT_FORMAT`, `ERR_VAULT_KEY_UNKNOWN`, `ERR_VAULT_DECRYPT_FAILED`.
 */
export async function openEnvelope(
  wrapper: KeyWrapper,
  context: EnvelopeContext,
  envelope: string,
): Promise<Uint8Array> {
  const { keyVersion, wrapped, payload } = parse(envelope)
  const dataKey = await wrapper.unwrap(keyVersion, wrapped, wrapAad(context, keyVersion))
  try {
    return gcmOpen(dataKey, payload, payloadAad(context))
  } finally {
    dataKey.fill(0)
  }
}

/** Re-wraps an envelope's data key under the active KEK; the payload is untouched. */
export async function rewrapEnvelope(
  wrapper: KeyWrapper,
  context: EnvelopeContext,
  envelope: string,
): Promise<{ envelope: string; keyVersion: number }> {
  const { keyVersion, wrapped, payload } = parse(envelope)
  const target = wrapper.activeVersion()
  if (keyVersion === target) return { envelope, keyVersion }
  const dataKey = await wrapper.unwrap(keyVersion, wrapped, wrapAad(context, keyVersion))
  try {
    const rewrapped = await wrapper.wrap(target, dataKey, wrapAad(context, target))
    return { envelope: format(target, rewrapped, payload), keyVersion: target }
  } finally {
    dataKey.fill(0)
  }
}

/** The key version an envelope was written under. */
export function envelopeKeyVersion(envelope: string): number {
  return parse(envelope).keyVersion
}

function format(keyVersion: number, wrapped: Uint8Array, payload: Uint8Array): string {
  return [
    FORMAT,
    String(keyVersion),
    Buffer.from(wrapped).toString('base64url'),
    Buffer.from(payload).toString('base64url'),
  ].join('.')
}

function parse(envelope: string): {
  keyVersion: number
  wrapped: Uint8Array
  payload: Uint8Array
} {
  const parts = envelope.split('.')
  const [prefix, version, wrapped, payload] = parts
  const keyVersion = Number(version)
  if (
    parts.length !== 4 ||
    prefix !== FORMAT ||
    !/^[1-9][0-9]{0,8}$/.test(version ?? '') ||
    wrapped === undefined ||
    payload === undefined ||
    !/^[A-Za-z0-9_-]+$/.test(wrapped) ||
    !/^[A-Za-z0-9_-]+$/.test(payload)
  ) {
    throw new VaultError('ERR_VAULT_FORMAT', 'not a vault envelope')
  }
  return {
    keyVersion,
    wrapped: Buffer.from(wrapped, 'base64url'),
    payload: Buffer.from(payload, 'base64url'),
  }
}

// JSON arrays are an unambiguous encoding of the tuple (no field can spill into the next).
function payloadAad(context: EnvelopeContext): Uint8Array {
  return Buffer.from(
    JSON.stringify([
      'mandate-vault/1',
      'payload',
      context.kind,
      context.sub,
      context.provider,
      context.recordId,
    ]),
  )
}

function wrapAad(context: EnvelopeContext, keyVersion: number): Uint8Array {
  return Buffer.from(
    JSON.stringify([
      'mandate-vault/1',
      'data-key',
      keyVersion,
      context.kind,
      context.sub,
      context.provider,
      context.recordId,
    ]),
  )
}
