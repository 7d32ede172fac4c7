/** DPoP (RFC 9449) key pairs for provider tokens: ES256, stored as a private JWK in the envelope. */
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const

/** A fresh P-256 key for DPoP proofs (RFC 9449), exported as a JWK to be sealed with the tokens. */
export async function generateDpopKey(): Promise<JsonWebKey> {
  const pair = await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])
  return crypto.subtle.exportKey('jwk', pair.privateKey)
}

/** The pair for signing proofs; the private key is not extractable once imported. */
export async function importDpopKey(privateJwk: JsonWebKey): Promise<CryptoKeyPair> {
  const publicJwk: JsonWebKey = {}
  for (const field of ['kty', 'crv', 'x', 'y'] as const) {
    const value = privateJwk[field]
    if (value !== undefined) publicJwk[field] = value
  }
  const [privateKey, publicKey] = await Promise.all([
    crypto.subtle.importKey('jwk', privateJwk, ALGORITHM, false, ['sign']),
    crypto.subtle.importKey('jwk', publicJwk, ALGORITHM, true, ['verify']),
  ])
  return { privateKey, publicKey }
}
