import { openEnvelope, sealEnvelope } from '../crypto/envelope.ts'
import type { EnvelopeContext } from '../crypto/envelope.ts'
import { VaultError } from '../errors.ts'
import type { KeyWrapper } from '../keys/key-wrapper.ts'

/** The encrypted part of a credential record. Everything else in the row is metadata. */
export interface CredentialSecret {
  access_token?: string
  refresh_token?: string
  api_key?: string
  /** The private key a DPoP-bound (RFC 9449) token is bound to. */
  dpop_private_jwk?: JsonWebKey
}

/** The envelope context of a credential's secret: bound to its id, user and provider (AAD). */
export function credentialContext(row: {
  id: string
  sub: string
  provider: string
}): EnvelopeContext {
  return { kind: 'credential', sub: row.sub, provider: row.provider, recordId: row.id }
}

/** Seals a credential's secret for its row under the active key version. */
export async function sealCredential(
  keys: KeyWrapper,
  row: { id: string; sub: string; provider: string },
  secret: CredentialSecret,
): Promise<{ envelope: string; keyVersion: number }> {
  return sealEnvelope(keys, credentialContext(row), Buffer.from(JSON.stringify(secret), 'utf8'))
}

/** Opens a credential row's secret; fails when the row was moved to another user or provider. */
export async function openCredential(
  keys: KeyWrapper,
  row: { id: string; sub: string; provider: string; secret: string },
): Promise<CredentialSecret> {
  const plain = await openEnvelope(keys, credentialContext(row), row.secret)
  try {
    return JSON.parse(Buffer.from(plain).toString('utf8')) as CredentialSecret
  } catch (error) {
    throw new VaultError('ERR_VAULT_FORMAT', 'decrypted credential is malformed', { cause: error })
  }
}
