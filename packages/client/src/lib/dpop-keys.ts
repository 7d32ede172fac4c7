import type { DpopKeyPair, OAuthDiscoveryState } from '@modelcontextprotocol/client'
import { DpopSession, generateDpopKeyPair } from '@modelcontextprotocol/client'
import { calculateJwkThumbprint, exportJWK, importJWK } from 'jose'
import type { CryptoKey, JWK } from 'jose'

import type { CredentialCache } from './credential-cache.ts'

/** RFC 9449 §5.1: the AS lists the DPoP algorithms it accepts; we sign with ES256. */
export function supportsDpop(discovery: OAuthDiscoveryState | undefined): boolean {
  const metadata = discovery?.authorizationServerMetadata as Record<string, unknown> | undefined
  const algs = metadata?.['dpop_signing_alg_values_supported']
  return Array.isArray(algs) && algs.includes('ES256')
}

/**
 * The DPoP key of this client for one server. Persisted (in the encrypted credential store) so a
 * DPoP-bound token survives a restart, or, when `persist` is false, a non-extractable key that
 * lives as long as the process (RFC 9449 §11.1: it cannot be exfiltrated).
 */
export async function createDpopSession(
  persist: boolean,
  credentials: CredentialCache,
): Promise<DpopSession> {
  if (!persist) {
    return DpopSession.create({
      keyPair: await generateDpopKeyPair({ alg: 'ES256', extractable: false }),
    })
  }
  const stored = (await credentials.load()).dpopPrivateJwk
  if (stored !== undefined) return DpopSession.create({ keyPair: await keyPairFromJwk(stored) })
  const fresh = await generateDpopKeyPair({ alg: 'ES256', extractable: true })
  const privateJwk = await exportJWK(fresh.privateKey)
  await credentials.update((creds) => {
    creds.dpopPrivateJwk = privateJwk
  })
  return DpopSession.create({ keyPair: await keyPairFromJwk(privateJwk) })
}

/** Re-imports a persisted key as non-extractable: the JWK stays only in the encrypted store. */
async function keyPairFromJwk(privateJwk: JWK): Promise<DpopKeyPair> {
  // The public half: the private JWK without its private member and usage flags.
  const { d, key_ops, ext, ...publicJwk } = privateJwk
  const privateKey = (await importJWK(privateJwk, 'ES256', { extractable: false })) as CryptoKey
  const publicKey = (await importJWK(publicJwk, 'ES256', { extractable: true })) as CryptoKey
  const cleanPublic = {
    kty: publicJwk.kty,
    crv: publicJwk.crv,
    x: publicJwk.x,
    y: publicJwk.y,
  } as JWK
  return {
    privateKey,
    publicKey,
    publicJwk: cleanPublic,
    thumbprint: await calculateJwkThumbprint(cleanPublic, 'sha256'),
    alg: 'ES256',
  }
}
