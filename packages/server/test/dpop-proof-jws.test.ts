import assert from 'node:assert/strict'
import { constants, createHash, generateKeyPairSync, randomUUID, sign } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { describe, it } from 'node:test'
import { calculateJwkThumbprint } from 'jose'
import type { JWK } from 'jose'
import { DEFAULT_DPOP_ALGORITHMS, verifyDpopProof } from '@mandate/server'
import type { DpopCheck } from '@mandate/server'

// The JWS checks of a proof (RFC 9449 §4.3 items 1-6), made with `node:crypto` on a cached key:
// each refusal beside the accepted proof it was mutated from.
const URL_ = 'https://rs.example.com/mcp'
const TOKEN = 'token-value'
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')

interface Signer {
  alg: string
  jwk: JWK
  jkt: string
  sign(header: Record<string, unknown>, payload: unknown): string
}

async function signer(
  alg: string,
  pair: { publicKey: KeyObject; privateKey: KeyObject },
  hash: string | null,
  options: Record<string, unknown> = {},
): Promise<Signer> {
  const jwk = pair.publicKey.export({ format: 'jwk' }) as JWK
  return {
    alg,
    jwk,
    jkt: await calculateJwkThumbprint(jwk),
    sign(header, payload) {
      const input = `${b64({ alg, typ: 'dpop+jwt', jwk, ...header })}.${b64(payload)}`
      const signature = sign(hash, Buffer.from(input), { key: pair.privateKey, ...options })
      return `${input}.${signature.toString('base64url')}`
    },
  }
}

const es256 = await signer('ES256', generateKeyPairSync('ec', { namedCurve: 'P-256' }), 'sha256', {
  dsaEncoding: 'ieee-p1363',
})
const claims = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  htm: 'POST',
  htu: URL_,
  iat: Math.floor(Date.now() / 1000),
  jti: randomUUID(),
  ath: createHash('sha256').update(TOKEN).digest('base64url'),
  ...extra,
})
const check = (proof: string, key: Signer, extra: Partial<DpopCheck> = {}): DpopCheck => ({
  proof,
  method: 'POST',
  url: URL_,
  accessToken: TOKEN,
  expectedJkt: key.jkt,
  algorithms: DEFAULT_DPOP_ALGORITHMS,
  maxAgeSeconds: 60,
  clockToleranceSeconds: 10,
  replay: () => Promise.resolve(true),
  nonces: undefined,
  ...extra,
})
const accepted = async (key: Signer, proof: string, extra: Partial<DpopCheck> = {}) => {
  assert.equal((await verifyDpopProof(check(proof, key, extra))).jkt, key.jkt)
}
const refused = async (key: Signer, proof: string, extra: Partial<DpopCheck> = {}) => {
  await assert.rejects(verifyDpopProof(check(proof, key, extra)), {
    code: 'ERR_SERVER_DPOP_PROOF',
    error: 'invalid_dpop_proof',
  })
}

void describe('DPoP proof signature and JWT checks (RFC 9449 §4.3)', () => {
  void it('accepts ES256, PS256, RS256 and EdDSA proofs signed by the embedded key', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const pss = await signer('PS256', rsa, 'sha256', {
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    })
    const rs = await signer('RS256', rsa, 'sha256')
    const ed = await signer('EdDSA', generateKeyPairSync('ed25519'), null)
    for (const key of [es256, pss, rs, ed]) await accepted(key, key.sign({}, claims()))
    await accepted(es256, es256.sign({ typ: 'application/dpop+jwt' }, claims()))
  })

  void it('accepts ES384 and ES512 proofs, and ES256 proofs whatever the top bits of r and s', async () => {
    const p1363 = { dsaEncoding: 'ieee-p1363' }
    const es384 = await signer(
      'ES384',
      generateKeyPairSync('ec', { namedCurve: 'P-384' }),
      'sha384',
      p1363,
    )
    const es512 = await signer(
      'ES512',
      generateKeyPairSync('ec', { namedCurve: 'P-521' }),
      'sha512',
      p1363,
    )
    // Half of all r and s values have their top bit set (a zero byte in DER, X.690 §8.3).
    for (let i = 0; i < 8; i++) {
      for (const key of [es256, es384, es512]) {
        await accepted(key, key.sign({}, claims()), { algorithms: ['ES256', 'ES384', 'ES512'] })
      }
    }
  })

  void it('refuses a crit or b64 header: no JWS extension is understood (RFC 7515 §4.1.11)', async () => {
    await accepted(es256, es256.sign({ x: 1 }, claims()))
    await refused(es256, es256.sign({ crit: ['x'], x: 1 }, claims()))
    await refused(es256, es256.sign({ crit: ['b64'], b64: true }, claims()))
    await refused(es256, es256.sign({ b64: true }, claims()))
  })

  void it('refuses an alg outside the configured list, and a key of another curve', async () => {
    await accepted(es256, es256.sign({}, claims()), { algorithms: ['ES256'] })
    await refused(es256, es256.sign({}, claims()), { algorithms: ['EdDSA'] })
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' })
    const mismatched = await signer('ES256', p384, 'sha256', { dsaEncoding: 'ieee-p1363' })
    await refused(mismatched, mismatched.sign({}, claims()))
  })

  void it('refuses RSA keys under 2048 bits (RFC 7518 §3.3)', async () => {
    const short = generateKeyPairSync('rsa', { modulusLength: 1024 })
    const key = await signer('RS256', short, 'sha256')
    await refused(key, key.sign({}, claims()))
  })

  void it('refuses a truncated signature, padded segments and a payload that is not an object', async () => {
    const proof = es256.sign({}, claims())
    await refused(es256, proof.slice(0, -4))
    await refused(es256, `${proof}=`)
    await refused(es256, es256.sign({}, [claims()]))
    const [header, payload] = proof.split('.')
    const other = es256.sign({}, claims()).split('.')[2] ?? ''
    await refused(es256, `${header ?? ''}.${payload ?? ''}.${other}`)
  })

  void it('refuses nbf in the future and exp in the past, or either not a number', async () => {
    const now = Math.floor(Date.now() / 1000)
    await accepted(es256, es256.sign({}, claims({ nbf: now - 5, exp: now + 60 })))
    await refused(es256, es256.sign({}, claims({ nbf: now + 30 })))
    await refused(es256, es256.sign({}, claims({ nbf: String(now - 5) })))
    await refused(es256, es256.sign({}, claims({ exp: now })))
    await refused(es256, es256.sign({}, claims({ exp: String(now + 60) })))
  })

  void it('refuses an htu that matches only because neither it nor the endpoint is a URL', async () => {
    await accepted(es256, es256.sign({}, claims({ htu: `${URL_}?q=1` })))
    await refused(es256, es256.sign({}, claims({ htu: 'not a url' })), { url: 'not a url' })
  })
})
