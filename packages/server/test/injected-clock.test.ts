import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createJwtVerifier, verifyDpopProof } from '@mandate/server'
import type { ProtectedMcpHandler } from '@mandate/server'
import { mcpRequest, protectNotes, RESOURCE } from './support/harness.ts'
import { createDpopKey, startTestIssuer } from './support/test-issuer.ts'
import type { TestIssuer } from './support/test-issuer.ts'

// Issue 19: the resource server's verifiers take their clock (`now`, ms) as the vault does, so
// time-dependent checks are tested by moving the clock, not by waiting. A token issued two hours
// ago and expired an hour ago is valid for a clock set to its issue time, and only for it.
const HOUR = 3600
const issuedAt = Math.floor(Date.now() / 1000) - 2 * HOUR
const thenMs = (issuedAt + 60) * 1000
const then = (): number => thenMs

void describe('injected clock (issue 19)', () => {
  let iss: TestIssuer
  let oldToken = ''
  before(async () => {
    iss = await startTestIssuer()
    oldToken = await iss.token(RESOURCE, { iat: issuedAt, exp: issuedAt + HOUR })
  })
  after(async () => {
    await iss.close()
  })

  void it('createJwtVerifier fails with a rejected promise, never a throw, when its clock fails', async () => {
    const options = { issuers: [{ issuer: iss.issuer }], resource: RESOURCE }
    const broken = createJwtVerifier({
      ...options,
      now: () => {
        throw new Error('clock unavailable')
      },
    })
    let outcome: Promise<unknown> = Promise.resolve()
    assert.doesNotThrow(() => {
      outcome = broken.verify(oldToken)
    })
    await assert.rejects(outcome, /clock unavailable/)
    // The same token and options with a working clock verify.
    assert.equal((await createJwtVerifier({ ...options, now: then }).verify(oldToken)).sub, 'alice')
  })

  void it('createJwtVerifier checks exp and iat against `now`', async () => {
    const options = { issuers: [{ issuer: iss.issuer }], resource: RESOURCE }
    // The clock of the token's time accepts it; the real clock refuses it as expired.
    const verified = await createJwtVerifier({ ...options, now: then }).verify(oldToken)
    assert.equal(verified.sub, 'alice')
    await assert.rejects(createJwtVerifier(options).verify(oldToken), {
      code: 'ERR_SERVER_TOKEN_REJECTED',
      reason: 'token expired',
    })
    // A token from the real present is "issued in the future" for the clock of two hours ago.
    const fresh = await iss.token(RESOURCE)
    assert.equal((await createJwtVerifier(options).verify(fresh)).sub, 'alice')
    await assert.rejects(
      createJwtVerifier({ ...options, now: then, verifiedCacheSeconds: 0 }).verify(fresh),
      {
        code: 'ERR_SERVER_TOKEN_REJECTED',
      },
    )
  })

  void it('verifyDpopProof checks the proof iat window against `now`', async () => {
    const key = await createDpopKey()
    const proof = await key.proof('POST', RESOURCE, oldToken, { iat: issuedAt + 50 })
    const check = {
      proof,
      method: 'POST',
      url: RESOURCE,
      accessToken: oldToken,
      expectedJkt: key.jkt,
      algorithms: ['ES256'],
      maxAgeSeconds: 60,
      clockToleranceSeconds: 10,
      replay: () => Promise.resolve(true),
      nonces: undefined,
    }
    assert.equal((await verifyDpopProof({ ...check, now: then })).jkt, key.jkt)
    await assert.rejects(verifyDpopProof(check), {
      code: 'ERR_SERVER_DPOP_PROOF',
      message: 'dpop proof iat outside window',
    })
  })

  void it('ProtectOptions.now reaches the verifier built from options', async (t) => {
    const past: ProtectedMcpHandler = protectNotes(iss, { now: then })
    t.after(() => past.close())
    const present = protectNotes(iss)
    t.after(() => present.close())
    const accepted = await past.fetch(mcpRequest({ token: oldToken }))
    assert.equal(accepted.status, 200)
    await accepted.body?.cancel()
    const refused = await present.fetch(mcpRequest({ token: oldToken }))
    assert.equal(refused.status, 401)
    await refused.body?.cancel()
  })

  void it('a verified token is reused from the cache only until its exp: a later call is refused', async (t) => {
    // Expires within the cache's 60 s: the entry lives until exp, not longer.
    const shortLived = await iss.token(RESOURCE, { iat: issuedAt, exp: issuedAt + 30 })
    let clockMs = (issuedAt + 10) * 1000
    const handler = protectNotes(iss, { now: () => clockMs })
    t.after(() => handler.close())
    const call = async (): Promise<number> => {
      const response = await handler.fetch(mcpRequest({ token: shortLived }))
      await response.body?.cancel()
      return response.status
    }
    assert.equal(await call(), 200)
    // Served from the cache, with the identity built at the first call.
    clockMs = (issuedAt + 25) * 1000
    assert.equal(await call(), 200)
    // Past exp and the 30 s tolerance, within 60 s of the first call: the entry is gone, refused.
    clockMs = (issuedAt + 30 + 35) * 1000
    assert.equal(await call(), 401)
  })
})
