import { randomUUID } from 'node:crypto'
import { importJWK, SignJWT } from 'jose'
import type { CryptoKey, JWK } from 'jose'
import { FEED_CHECKPOINT_SET_EVENT, REVOCATION_SET_EVENT, SECEVENT_JWT_TYPE } from '@mandate/core'
import type { RecordedRevocation } from '@mandate/store'
import { SIGNING_ALG } from '../keys/signing-keys.ts'

const imported = new WeakMap<JWK, Promise<CryptoKey | Uint8Array>>()

/** Signs RFC 8417 Security Event Tokens with the authorization server's current signing key. */
export interface SetSigner {
  /** One revocation as a SET (`jti` = issuer-unique id of the log entry). */
  revocation(event: RecordedRevocation, audience: string): Promise<string>
  /** The page's checkpoint: the cursor the reader resumes from and the nonce it sent. */
  checkpoint(cursor: number, nonce: string | undefined, audience: string): Promise<string>
}

/**
 * Signs revocation feed entries and page checkpoints as Security Event Tokens (RFC 8417) with
 * the current signing key, addressed to the reading resource server.
 */
export function setSigner(issuer: string, signingKey: () => JWK): SetSigner {
  const sign = async (payload: Record<string, unknown>, jti: string, audience: string) => {
    const jwk = signingKey()
    let key = imported.get(jwk)
    if (key === undefined) {
      key = importJWK(jwk, SIGNING_ALG)
      imported.set(jwk, key)
    }
    // RFC 8417 §2.2: iss, iat, jti, aud, events; §2.3: explicit typing.
    return new SignJWT(payload)
      .setProtectedHeader({
        alg: SIGNING_ALG,
        typ: SECEVENT_JWT_TYPE,
        ...(jwk.kid === undefined ? {} : { kid: jwk.kid }),
      })
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setJti(jti)
      .sign(await key)
  }
  return {
    revocation: (event, audience) =>
      sign(
        { events: { [REVOCATION_SET_EVENT]: event } },
        `revocation-${String(event.seq)}`,
        audience,
      ),
    checkpoint: (cursor, nonce, audience) =>
      sign(
        {
          events: {
            [FEED_CHECKPOINT_SET_EVENT]: { cursor, ...(nonce === undefined ? {} : { nonce }) },
          },
        },
        randomUUID(),
        audience,
      ),
  }
}
