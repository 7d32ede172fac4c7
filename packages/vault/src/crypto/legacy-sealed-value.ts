import type { KeyWrapper } from '../keys/key-wrapper.ts'
import { VaultError } from '../errors.ts'
import type { SealedValueContext } from './sealed-value-context.ts'

// The authorization server's former at-rest format (before sealed values joined the vault's
// envelope): `sealed.v1.<key version>.<iv>.<tag>.<ciphertext>`, AES-256-GCM directly under
// key-ring key <key version> with a string AAD per purpose. That is exactly what a key-ring
// wrapper's `unwrap` computes on `iv ‖ ciphertext ‖ tag`, so it opens through the KeyWrapper
// without raw key access. Read-only: `rewrap` moves such values into the envelope.
const LEGACY_PREFIX = 'sealed.v1.'
/** Values an older version stored in clear when it was given no key ring. */
export const LEGACY_PLAIN_PREFIX = 'plain.'

const LEGACY_AAD: Record<SealedValueContext['purpose'], (id: string) => string> = {
  as_signing_key: (id) => `mandate:as-signing-key:${id}`,
  as_totp_secret: (id) => `mandate:totp:${id}`,
  installation_secret: (id) => `mandate:${id}`,
}

/** The plaintext of a `sealed.v1` value, or undefined when `sealed` is in another format. */
export async function openLegacyValue(
  keys: KeyWrapper,
  context: SealedValueContext,
  sealed: string,
): Promise<string | undefined> {
  if (!sealed.startsWith(LEGACY_PREFIX)) return undefined
  const [version = '', iv = '', tag = '', body, ...rest] = sealed
    .slice(LEGACY_PREFIX.length)
    .split('.')
  if (!/^[1-9][0-9]{0,8}$/.test(version) || iv === '' || tag === '' || body === undefined) {
    throw new VaultError('ERR_VAULT_FORMAT', 'not a sealed value')
  }
  if (rest.length > 0) throw new VaultError('ERR_VAULT_FORMAT', 'not a sealed value')
  const joined = Buffer.concat([iv, body, tag].map((part) => Buffer.from(part, 'base64url')))
  const aad = Buffer.from(LEGACY_AAD[context.purpose](context.recordId))
  const plain = await keys.unwrap(Number(version), joined, aad)
  return Buffer.from(plain).toString('utf8')
}
