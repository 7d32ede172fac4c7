import assert from 'node:assert/strict'
import { createHash, generateKeyPairSync, randomUUID, sign } from 'node:crypto'
import { describe, it } from 'node:test'
import { calculateJwkThumbprint } from 'jose'
import type { JWK } from 'jose'
import { DEFAULT_DPOP_ALGORITHMS, verifyDpopProof } from '@mandate/server'
import type { DpopCheck } from '@mandate/server'
import { memoryReplayCache } from '../src/lib/memory-replay.ts'

// The single-instance replay cache (catalogue #114, RFC 9449 §11.1): it never forgets a proof
// whose iat window is still open, and when full it refuses proofs rather than evicting.
const URL_ = 'https://rs.example.com/mcp'
const TOKEN = 'token-value'
const TTL_MS = 80_000
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const jwk = pair.publicKey.export({ format: 'jwk' }) as JWK
const jkt = await calculateJwkThumbprint(jwk)
const header = b64({ alg: 'ES256', typ: 'dpop+jwt', jwk })

function proof(nowMs: number): string {
  const payload = b64({
    htm: 'POST',
    htu: URL_,
    iat: Math.floor(nowMs / 1000),
    jti: randomUUID(),
    ath: createHash('sha256').update(TOKEN).digest('base64url'),
  })
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), {
    key: pair.privateKey,
    dsaEncoding: 'ieee-p1363',
  })
  return `${header}.${payload}.${signature.toString('base64url')}`
}

const check = (
  value: string,
  replay: DpopCheck['replay'],
  now: () => number = Date.now,
): DpopCheck => ({
  proof: value,
  method: 'POST',
  url: URL_,
  accessToken: TOKEN,
  expectedJkt: jkt,
  algorithms: DEFAULT_DPOP_ALGORITHMS,
  maxAgeSeconds: 60,
  clockToleranceSeconds: 10,
  replay,
  nonces: undefined,
  now,
})
const refusedWith = async (pending: Promise<unknown>, reason: string): Promise<void> => {
  await assert.rejects(pending, {
    code: 'ERR_SERVER_DPOP_PROOF',
    error: 'invalid_dpop_proof',
    message: reason,
  })
}

void describe('memory DPoP replay cache (catalogue #114)', () => {
  void it('still refuses a replay after the cache filled up, and refuses new proofs at the cap', async () => {
    const full: number[] = []
    const replay = memoryReplayCache({ maxEntries: 50, onFull: (n) => full.push(n) })
    const first = proof(Date.now())
    assert.equal((await verifyDpopProof(check(first, replay))).jkt, jkt)
    for (let i = 0; i < 49; i++) await verifyDpopProof(check(proof(Date.now()), replay))
    const overflow = await verifyDpopProof(check(proof(Date.now()), replay)).then(
      () => 'accepted',
      (error: unknown) => (error instanceof Error ? error.message : 'unknown'),
    )
    // An evicting cache would have made room here, and forgotten `first` (RFC 9449 §11.1).
    await refusedWith(verifyDpopProof(check(first, replay)), 'dpop proof replayed')
    assert.equal(overflow, 'dpop replay cache full')
    // One log line per generation, with a count only.
    await refusedWith(verifyDpopProof(check(proof(Date.now()), replay)), 'dpop replay cache full')
    assert.deepEqual(full, [50])
  })

  void it('accepts a fresh proof and refuses its replay within the TTL (positive control)', async () => {
    const replay = memoryReplayCache({ maxEntries: 50 })
    const fresh = proof(Date.now())
    assert.equal((await verifyDpopProof(check(fresh, replay))).jkt, jkt)
    await refusedWith(verifyDpopProof(check(fresh, replay)), 'dpop proof replayed')
    assert.equal((await verifyDpopProof(check(proof(Date.now()), replay))).jkt, jkt)
  })

  void it('keeps a key across a generation change until its TTL ends', async () => {
    const start = 1_000_000_000_000
    let now = start
    const replay = memoryReplayCache({ maxEntries: 10, now: () => now })
    assert.equal(await replay('other', TTL_MS), true)
    now = start + TTL_MS - 1_000 // late in the first generation
    assert.equal(await replay('k', TTL_MS), true)
    now = start + TTL_MS + 1 // a new generation: 'k' now lives in the previous one
    assert.equal(await replay('k', TTL_MS), false)
    now = start + 2 * TTL_MS - 1_001
    assert.equal(await replay('k', TTL_MS), false)
    now = start + 2 * TTL_MS - 1_000 // its TTL is over
    assert.equal(await replay('k', TTL_MS), true)
  })

  void it('drops expired generations whole, so the cap frees up after two TTLs', async () => {
    let now = 1_000_000_000_000
    const replay = memoryReplayCache({ maxEntries: 10, now: () => now })
    for (let i = 0; i < 10; i++) assert.equal(await replay(`k${String(i)}`, TTL_MS), true)
    await refusedWith(replay('late', TTL_MS), 'dpop replay cache full')
    now += 2 * TTL_MS
    assert.equal(await replay('late', TTL_MS), true)
    assert.equal(await replay('late', TTL_MS), false)
  })
})
