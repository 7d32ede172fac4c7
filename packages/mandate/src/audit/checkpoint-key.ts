import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
} from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { auditCheckpointPayload } from '@mandate/core'
import type { AuditCheckpoint } from '@mandate/core'
import { getMeta, setMetaIfAbsent } from '@mandate/store'
import type { AuditSigner, Store } from '@mandate/store'
import { openValue, sealValue } from '@mandate/vault'
import type { KeyWrapper } from '@mandate/vault'

/** The `mandate_meta` row holding the audit checkpoint key, sealed by the vault. */
export const AUDIT_KEY_NAME = 'audit.checkpoint-key'

/** The installation's audit checkpoint key: signs chain checkpoints, verifies them (docs/audit.md). */
export interface AuditCheckpointKey {
  signer: AuditSigner
  /** The public key (SPKI PEM), for verifiers that hold no master key. */
  publicKeyPem: string
  verify: (checkpoint: AuditCheckpoint) => boolean
}

/**
 * The installation's Ed25519 checkpoint key (RFC 8032): created once, sealed at rest with the
 * vault's envelope (an installation secret, so rotation re-wraps it), shared by every instance.
 * Verification derives the public key from the sealed private key: a database writer without
 * the master key cannot forge a checkpoint.
 */
export async function auditCheckpointKey(
  store: Store,
  keys: KeyWrapper,
): Promise<AuditCheckpointKey> {
  const context = { purpose: 'installation_secret', recordId: AUDIT_KEY_NAME } as const
  const stored =
    (await getMeta(store, AUDIT_KEY_NAME)) ??
    (await setMetaIfAbsent(
      store,
      AUDIT_KEY_NAME,
      await sealValue(keys, context, newPrivateKeyPem()),
    ))
  const privateKey = createPrivateKey(await openValue(keys, context, stored))
  return fromPrivateKey(privateKey)
}

function fromPrivateKey(privateKey: KeyObject): AuditCheckpointKey {
  const publicKey = createPublicKey(privateKey)
  const der = publicKey.export({ format: 'der', type: 'spki' })
  const kid = createHash('sha256').update(der).digest('base64url').slice(0, 22)
  return {
    signer: { kid, sign: (payload) => sign(null, payload, privateKey).toString('base64url') },
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    verify: (checkpoint) =>
      checkpoint.kid === kid &&
      verify(
        null,
        auditCheckpointPayload(checkpoint),
        publicKey,
        Buffer.from(checkpoint.signature, 'base64url'),
      ),
  }
}

function newPrivateKeyPem(): string {
  const { privateKey } = generateKeyPairSync('ed25519')
  return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()
}
