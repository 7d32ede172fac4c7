import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createLogger, parseWwwAuthenticate } from '@mandate/core'
import type { ProtectedMcpHandler } from '@mandate/server'
import type { Store } from '@mandate/store'
import { backends } from '../../../test/support/stores.ts'
import { mcpRequest, protectNotes, RESOURCE } from './support/harness.ts'
import { createDpopKey, startTestIssuer } from './support/test-issuer.ts'
import type { TestIssuer } from './support/test-issuer.ts'

const error = (response: Response): string | undefined => {
  const challenges = parseWwwAuthenticate(response.headers.get('www-authenticate') ?? '')
  return challenges.find((c) => c.params['error'] !== undefined)?.params['error']
}

// Catalogue section G: DPoP proofs at the resource server (RFC 9449 §4.3, §7).
void describe('DPoP at the resource server (catalogue G)', () => {
  let iss: TestIssuer
  let rs: ProtectedMcpHandler
  let key: Awaited<ReturnType<typeof createDpopKey>>
  let token = ''
  const logLines: string[] = []
  before(async () => {
    iss = await startTestIssuer()
    rs = protectNotes(iss, {
      logger: createLogger({ level: 'debug', write: (line) => logLines.push(line) }),
    })
    key = await createDpopKey()
    token = await iss.token(RESOURCE, { cnf: { jkt: key.jkt } })
  })
  after(async () => {})

  const send = async (
    dpop: string | string[] | undefined,
    scheme = 'DPoP',
    t = token,
  ): Promise<Response> => {
    const response = await rs.fetch(
      mcpRequest({ token: t, scheme, ...(dpop === undefined ? {} : { dpop }) }),
    )
    await response.body?.cancel()
    return response
  }
  const expectProofError = async (
    proof: string | string[],
    expected = 'invalid_dpop_proof',
  ): Promise<void> => {
    const response = await send(proof)
    assert.equal(response.status, 401)
    assert.equal(error(response), expected)
    // catalogue #124: a correct proof still works right after, so the failure came from the mutation.
    const sanity = await send(await key.proof('POST', RESOURCE, token))
    assert.equal(sanity.status, 200)
  }

  void it('catalogue #124: a correct proof is accepted', async () => {
    assert.equal((await send(await key.proof('POST', RESOURCE, token))).status, 200)
  })

  void it('catalogue #105: more than one DPoP header is refused', async () => {
    await expectProofError([
      await key.proof('POST', RESOURCE, token),
      await key.proof('POST', RESOURCE, token),
    ])
  })

  void it('catalogue #106: a proof that is not a well-formed JWT is refused', async () => {
    await expectProofError('not.a.jwt')
    await expectProofError('x')
  })

  void it('catalogue #107: missing or wrong typ, missing jwk, jti, htm, htu, iat or ath are refused', async () => {
    await expectProofError(await key.proof('POST', RESOURCE, token, {}, { typ: undefined }))
    await expectProofError(await key.proof('POST', RESOURCE, token, {}, { typ: 'JWT' }))
    await expectProofError(await key.proof('POST', RESOURCE, token, {}, { jwk: undefined }))
    for (const claim of ['jti', 'htm', 'htu', 'iat', 'ath']) {
      await expectProofError(await key.proof('POST', RESOURCE, token, { [claim]: undefined }))
    }
  })

  void it('catalogue #108: symmetric algorithms are refused', async () => {
    const [, payload] = (await key.proof('POST', RESOURCE, token)).split('.')
    const header = Buffer.from(
      JSON.stringify({ alg: 'none', typ: 'dpop+jwt', jwk: key.jwk }),
    ).toString('base64url')
    await expectProofError(`${header}.${payload ?? ''}.`)
    const hs = Buffer.from(
      JSON.stringify({ alg: 'HS256', typ: 'dpop+jwt', jwk: { kty: 'oct', k: 'c2VjcmV0' } }),
    ).toString('base64url')
    await expectProofError(`${hs}.${payload ?? ''}.c2ln`)
  })

  void it('catalogue #68: an embedded jwk meant for another algorithm or for encryption is refused', async () => {
    await expectProofError(
      await key.proof('POST', RESOURCE, token, {}, { jwk: { ...key.jwk, alg: 'ES384' } }),
    )
    await expectProofError(
      await key.proof('POST', RESOURCE, token, {}, { jwk: { ...key.jwk, use: 'enc' } }),
    )
  })

  void it('catalogue #109: an invalid signature is refused', async () => {
    const [h, p] = (await key.proof('POST', RESOURCE, token)).split('.')
    const other = (await (await createDpopKey()).proof('POST', RESOURCE, token)).split('.')[2]
    await expectProofError(`${h ?? ''}.${p ?? ''}.${other ?? ''}`)
  })

  void it('catalogue #110: a private key in the jwk header is refused', async () => {
    const withPrivate = await createDpopKey()
    const t = await iss.token(RESOURCE, { cnf: { jkt: withPrivate.jkt } })
    const proof = await withPrivate.proof('POST', RESOURCE, t, {}, { jwk: withPrivate.privateJwk })
    const response = await send(proof, 'DPoP', t)
    assert.equal(response.status, 401)
    assert.equal(error(response), 'invalid_dpop_proof')
  })

  void it('catalogue #111: htm must match the request method', async () => {
    await expectProofError(await key.proof('PUT', RESOURCE, token))
    await expectProofError(await key.proof('GET', RESOURCE, token))
  })

  void it('catalogue #112: htu must be this URL; query, fragment, host case and default port are normalised', async () => {
    await expectProofError(await key.proof('POST', 'http://127.0.0.1:4100/other', token))
    await expectProofError(await key.proof('POST', 'http://127.0.0.1:4100/mcp-admin', token))
    await expectProofError(await key.proof('POST', RESOURCE, token, { htu: 42 }))
    for (const htu of [`${RESOURCE}?a=b#frag`, 'HTTP://127.0.0.1:4100/mcp']) {
      assert.equal((await send(await key.proof('POST', htu, token))).status, 200, htu)
    }
  })

  void it('catalogue #113: iat an hour away is refused; a few seconds of skew is accepted', async () => {
    const t = Math.floor(Date.now() / 1000)
    await expectProofError(await key.proof('POST', RESOURCE, token, { iat: t + 3600 }))
    await expectProofError(await key.proof('POST', RESOURCE, token, { iat: t - 3600 }))
    await expectProofError(await key.proof('POST', RESOURCE, token, { iat: String(t) }))
    assert.equal((await send(await key.proof('POST', RESOURCE, token, { iat: t - 8 }))).status, 200)
    assert.equal((await send(await key.proof('POST', RESOURCE, token, { iat: t + 5 }))).status, 200)
  })

  void it('catalogue #114: a replayed proof is refused', async () => {
    const proof = await key.proof('POST', RESOURCE, token)
    assert.equal((await send(proof)).status, 200)
    const replay = await send(proof)
    assert.equal(replay.status, 401)
    assert.equal(error(replay), 'invalid_dpop_proof')
  })

  void it('catalogue #115: ath must be the hash of this token', async () => {
    await expectProofError(await key.proof('POST', RESOURCE, 'another-token'))
  })

  void it('catalogue #116: the proof key must be the key the token is bound to', async () => {
    const other = await createDpopKey()
    await expectProofError(await other.proof('POST', RESOURCE, token))
  })

  void it('catalogue #117: a DPoP-bound token as Bearer, or without proof, is refused; an unbound token under DPoP too', async () => {
    const asBearer = await send(await key.proof('POST', RESOURCE, token), 'Bearer')
    assert.equal(asBearer.status, 401)
    assert.equal(error(asBearer), 'invalid_token')
    const noProof = await send(undefined)
    assert.equal(noProof.status, 401)
    const unbound = await iss.token(RESOURCE)
    const downgrade = await send(await key.proof('POST', RESOURCE, unbound), 'DPoP', unbound)
    assert.equal(downgrade.status, 401)
    assert.equal(error(downgrade), 'invalid_token')
  })

  void it('catalogue #120: extra header and claim members are accepted', async () => {
    assert.equal(
      (await send(await key.proof('POST', RESOURCE, token, { extra: 1 }, { extra: 'x' }))).status,
      200,
    )
  })

  void it('catalogue #121: proofs carrying nbf/exp are handled (accepted when current)', async () => {
    const t = Math.floor(Date.now() / 1000)
    assert.equal(
      (await send(await key.proof('POST', RESOURCE, token, { nbf: t - 5, exp: t + 60 }))).status,
      200,
    )
    await expectProofError(await key.proof('POST', RESOURCE, token, { exp: t - 60 }))
  })

  void it('catalogue #123: replay is checked before the key binding (no oracle)', async () => {
    const other = await createDpopKey()
    const proof = await other.proof('POST', RESOURCE, token)
    const first = await send(proof)
    assert.equal(first.status, 401)
    logLines.length = 0
    const second = await send(proof)
    assert.equal(second.status, 401)
    // The log says which check refused it; the wire says the same for both (issue 19).
    assert.match(
      logLines.at(-1) ?? '',
      /"msg":"dpop proof rejected".*"reason":"dpop proof replayed"/,
    )
    const description = (response: Response) =>
      parseWwwAuthenticate(response.headers.get('www-authenticate') ?? '')[0]?.params[
        'error_description'
      ]
    assert.equal(description(second), 'invalid dpop proof')
    assert.equal(description(second), description(first))
  })
})

void describe('DPoP policy: required, nonces (catalogue #118, #122)', () => {
  void it('catalogue #122: with DPoP required, an unbound token is refused and the metadata says so', async (t) => {
    const iss = await startTestIssuer()
    t.after(() => iss.close())
    const rs = protectNotes(iss, { dpop: { required: true } })
    t.after(() => rs.close())
    const response = await rs.fetch(mcpRequest({ token: await iss.token(RESOURCE) }))
    assert.equal(response.status, 401)
    const challenges = parseWwwAuthenticate(response.headers.get('www-authenticate') ?? '')
    assert.deepEqual(
      challenges.map((c) => c.scheme),
      ['DPoP'],
    )
    const metadata = (await (
      await rs.fetch(new Request('http://127.0.0.1:4100/.well-known/oauth-protected-resource/mcp'))
    ).json()) as Record<string, unknown>
    assert.equal(metadata['dpop_bound_access_tokens_required'], true)
  })

  void it('catalogue #118: without a valid server nonce the answer is use_dpop_nonce with a DPoP-Nonce header', async (t) => {
    const iss = await startTestIssuer()
    t.after(() => iss.close())
    const rs = protectNotes(iss, { dpop: { nonce: true } })
    t.after(() => rs.close())
    const key = await createDpopKey()
    const token = await iss.token(RESOURCE, { cnf: { jkt: key.jkt } })
    const first = await rs.fetch(
      mcpRequest({ token, scheme: 'DPoP', dpop: await key.proof('POST', RESOURCE, token) }),
    )
    assert.equal(first.status, 401)
    assert.equal(error(first), 'use_dpop_nonce')
    const nonce = first.headers.get('dpop-nonce')
    assert.ok(nonce)
    const stale = await rs.fetch(
      mcpRequest({
        token,
        scheme: 'DPoP',
        dpop: await key.proof('POST', RESOURCE, token, { nonce: '0.AAAAAAAAAAAAAAAAAAAAAAAA' }),
      }),
    )
    assert.equal(error(stale), 'use_dpop_nonce')
    const ok = await rs.fetch(
      mcpRequest({
        token,
        scheme: 'DPoP',
        dpop: await key.proof('POST', RESOURCE, token, { nonce }),
      }),
    )
    assert.equal(ok.status, 200)
    assert.ok(ok.headers.get('dpop-nonce'))
    await ok.body?.cancel()
  })
})

for (const backend of backends()) {
  void describe(`catalogue #114: DPoP replay across instances sharing one ${backend.name} store`, () => {
    let store: Store | undefined
    let skip: string | false = false
    before(async () => {
      skip = await backend.skip()
      if (skip === false) store = await backend.open({ migrate: true })
    })
    after(async () => {
      await store?.close()
      await backend.cleanup()
    })

    void it('a proof accepted by one instance is refused by another', async (t) => {
      if (skip !== false || store === undefined) {
        t.skip(skip === false ? 'no store' : skip)
        return
      }
      const iss = await startTestIssuer()
      t.after(() => iss.close())
      const a = protectNotes(iss, { store })
      t.after(() => a.close())
      const b = protectNotes(iss, { store })
      t.after(() => b.close())
      const key = await createDpopKey()
      const token = await iss.token(RESOURCE, { cnf: { jkt: key.jkt } })
      const proof = await key.proof('POST', RESOURCE, token)
      const first = await a.fetch(mcpRequest({ token, scheme: 'DPoP', dpop: proof }))
      assert.equal(first.status, 200)
      await first.body?.cancel()
      const second = await b.fetch(mcpRequest({ token, scheme: 'DPoP', dpop: proof }))
      assert.equal(second.status, 401)
      assert.equal(error(second), 'invalid_dpop_proof')
    })
  })
}
