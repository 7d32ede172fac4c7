import { VaultError } from '../errors.ts'
import type { KeyWrapper } from '../keys/key-wrapper.ts'
import { openEnvelope, rewrapEnvelope, sealEnvelope } from './envelope.ts'
import type { EnvelopeContext } from './envelope.ts'
import { LEGACY_PLAIN_PREFIX, openLegacyValue } from './legacy-sealed-value.ts'
import type { SealedValueContext } from './sealed-value-context.ts'

/**
 * Seals a secret a component keeps at rest (a signing key, a TOTP secret, an installation
 * secret) in the vault's envelope under the active key version, so that key rotation,
 * `rewrap` and `retire` cover it like every vault record. There is no unsealed mode.
 */
export async function sealValue(
  keys: KeyWrapper,
  context: SealedValueContext,
  plaintext: string,
): Promise<string> {
  const { envelope } = await sealEnvelope(keys, envelopeContext(context), Buffer.from(plaintext))
  return envelope
}

/**
 * Opens a value written by `sealValue`, or by the authorization server's former `sealed.v1`
 * format (still readable until `rewrap` moves it).
 * @throws VaultError `ERR_VAULT_FORMAT` (also for a value stored in clear by an older
 * version: run the re-wrap), `ERR_VAULT_KEY_UNKNOWN`, `ERR_VAULT_DECRYPT_FAILED`.
 */
export async function openValue(
  keys: KeyWrapper,
  context: SealedValueContext,
  sealed: string,
): Promise<string> {
  if (sealed.startsWith(LEGACY_PLAIN_PREFIX)) {
    throw new VaultError(
      'ERR_VAULT_FORMAT',
      `a ${context.purpose} is stored in clear by an older version; run "mandate keys rewrap"`,
    )
  }
  const legacy = await openLegacyValue(keys, context, sealed)
  if (legacy !== undefined) return legacy
  const plain = await openEnvelope(keys, envelopeContext(context), sealed)
  return Buffer.from(plain).toString('utf8')
}

/**
 * Moves a sealed value under the active key version: re-wraps an envelope's data key (the
 * payload is untouched), and re-seals a legacy value (`sealed.v1` or stored in clear by an
 * older version) into the envelope. Unchanged when already current.
 */
export async function resealValue(
  keys: KeyWrapper,
  context: SealedValueContext,
  sealed: string,
): Promise<string> {
  if (sealed.startsWith(LEGACY_PLAIN_PREFIX)) {
    const plain = Buffer.from(sealed.slice(LEGACY_PLAIN_PREFIX.length), 'base64url')
    return sealValue(keys, context, plain.toString('utf8'))
  }
  const legacy = await openLegacyValue(keys, context, sealed)
  if (legacy !== undefined) return sealValue(keys, context, legacy)
  return (await rewrapEnvelope(keys, envelopeContext(context), sealed)).envelope
}

function envelopeContext(context: SealedValueContext): EnvelopeContext {
  return { kind: context.purpose, sub: '', provider: '', recordId: context.recordId }
}
