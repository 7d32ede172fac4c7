// Negative tests for catalogue sections D (refresh tokens), G (DPoP replay), E (JWT
// validation of subject tokens) and H (token exchange), against a real server.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import * as oauth from 'oauth4webapi'
import { SignJWT, decodeJwt, exportJWK, generateKeyPair } from 'jose'
import type { CryptoKey, JWK } from 'jose'
import { sqliteBackend } from '../../../test/support/stores.ts'
import type { Store } from '@mandate/store'
import {
  authorize,
  DOWNSTREAM,
  exchange,
  GATEWAY,
  GATEWAY_CLIENT,
  GATEWAY_SECRET,
  insecure,
  ORCHESTRATOR_CLIENT,
  ORCHESTRATOR_SECRET,
  PASSWORD,
  PUBLIC_CLIENT,
  publicClient,
  redeem,
  RESOURCE,
  startServer,
  tokenRequest,
} from './support/harness.ts'
import type { Harness } from './support/harness.ts'

const refresh = (h: Harness, token: string, headers: Record<string, string> = {}) =>
  tokenRequest(
    h,
    { grant_type: 'refresh_token', refresh_token: token, client_id: PUBLIC_CLIENT },
    headers,
  )

async function dpopProof(
  h: Harness,
  keys: { privateKey: CryptoKey; publicJwk: JWK },
  nonce?: string,
  jti = randomUUID(),
): Promise<string> {
  return new SignJWT({
    htm: 'POST',
    htu: h.as.token_endpoint ?? '',
    jti,
    ...(nonce === undefined ? {} : { nonce }),
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: keys.publicJwk })
    .setIssuedAt()
    .sign(keys.privateKey)
}

async function dpopKeys(): Promise<{
  privateKey: CryptoKey
  publicJwk: JWK
  handle: oauth.DPoPHandle
}> {
  const pair = await generateKeyPair('ES256', { extractable: true })
  const { kty, crv, x, y } = await exportJWK(pair.publicKey)
  return {
    privateKey: pair.privateKey,
    publicJwk: { kty, crv, x, y } as JWK,
    handle: oauth.DPoP(publicClient(), pair),
  }
}

void describe('catalogue D, E, G, H: refresh, JWT, DPoP replay, token exchange', () => {
  const backend = sqliteBackend()
  let store: Store
  let h: Harness
  let graceful: Harness

  before(async () => {
    store = await backend.open({ migrate: true })
    h = await startServer(store)
    graceful = await startServer(store, { refreshGraceSeconds: 10 })
  })
  after(async () => {
    await graceful.close()
    await h.close()
    await store.close()
    await backend.cleanup()
  })

  void it('catalogue #51: every refresh returns a new refresh token', async () => {
    const tokens = await redeem(h, await authorize(h))
    const next = await refresh(h, tokens.refresh_token ?? '')
    assert.equal(next.status, 200)
    assert.notEqual(next.body['refresh_token'], tokens.refresh_token)
  })

  void it('catalogue #52: reuse of a rotated refresh token revokes the whole grant', async () => {
    const tokens = await redeem(h, await authorize(h))
    const next = await refresh(h, tokens.refresh_token ?? '')
    const reuse = await refresh(h, tokens.refresh_token ?? '')
    assert.equal(reuse.body['error'], 'invalid_grant')
    const descendant = await refresh(h, String(next.body['refresh_token']))
    assert.equal(descendant.body['error'], 'invalid_grant')
    assert.ok(h.audit.some((e) => e.type === 'token.reuse_detected'))
  })

  void it('catalogue #53: two parallel refreshes within the grace window both succeed, a third use revokes', async () => {
    const tokens = await redeem(graceful, await authorize(graceful))
    const [a, b] = await Promise.all([
      refresh(graceful, tokens.refresh_token ?? ''),
      refresh(graceful, tokens.refresh_token ?? ''),
    ])
    assert.equal(a.status, 200)
    assert.equal(b.status, 200)
    const third = await refresh(graceful, tokens.refresh_token ?? '')
    assert.equal(third.body['error'], 'invalid_grant')
    assert.equal(
      (await refresh(graceful, String(a.body['refresh_token']))).body['error'],
      'invalid_grant',
    )
  })

  void it('catalogue #54: of parallel rotations without grace exactly one wins', async () => {
    const tokens = await redeem(h, await authorize(h))
    const results = await Promise.all(
      Array.from({ length: 4 }, () => refresh(h, tokens.refresh_token ?? '')),
    )
    assert.equal(results.filter((r) => r.status === 200).length, 1)
  })

  void it('catalogue #55: a revoked refresh token cannot be refreshed', async () => {
    const tokens = await redeem(h, await authorize(h))
    await oauth.processRevocationResponse(
      await oauth.revocationRequest(
        h.as,
        publicClient(),
        oauth.None(),
        tokens.refresh_token ?? '',
        insecure,
      ),
    )
    assert.equal((await refresh(h, tokens.refresh_token ?? '')).body['error'], 'invalid_grant')
  })

  void it('catalogue #56: a refresh token is bound to its client', async () => {
    const tokens = await redeem(h, await authorize(h))
    const stolen = await tokenRequest(
      h,
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token ?? '' },
      {
        authorization: `Basic ${Buffer.from(`${GATEWAY_CLIENT}:${GATEWAY_SECRET}`).toString('base64')}`,
      },
    )
    assert.ok(stolen.status >= 400)
  })

  void it('catalogue #57: refresh cannot widen scope', async () => {
    // A user of its own: alice's consent to both scopes is remembered from earlier tests.
    await h.server.users.add({ username: 'narrow', password: PASSWORD })
    const result = await authorize(h, { username: 'narrow', untick: ['tools:write'] })
    const tokens = await redeem(h, result)
    const wider = await tokenRequest(h, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token ?? '',
      client_id: PUBLIC_CLIENT,
      scope: 'tools:read tools:write',
    })
    assert.equal(wider.body['error'], 'invalid_scope')
  })

  void it('catalogue #60: a DPoP-bound refresh token needs a proof from the same key', async () => {
    const keys = await dpopKeys()
    const tokens = await redeem(h, await authorize(h), keys.handle)
    assert.equal((await refresh(h, tokens.refresh_token ?? '')).body['error'], 'invalid_grant')
    const other = await dpopKeys()
    const first = await refresh(h, tokens.refresh_token ?? '', { dpop: await dpopProof(h, other) })
    const nonce = first.body['error'] === 'use_dpop_nonce' ? await currentNonce(h, other) : ''
    const wrongKey = await refresh(h, tokens.refresh_token ?? '', {
      dpop: await dpopProof(h, other, nonce),
    })
    assert.equal(wrongKey.body['error'], 'invalid_grant')
  })

  void it('catalogue #114: a replayed DPoP proof is refused', async () => {
    const keys = await dpopKeys()
    const tokens = await redeem(h, await authorize(h), keys.handle)
    const nonce = await currentNonce(h, keys)
    const proof = await dpopProof(h, keys, nonce)
    const first = await refresh(h, tokens.refresh_token ?? '', { dpop: proof })
    assert.equal(first.status, 200)
    const replay = await refresh(h, String(first.body['refresh_token']), { dpop: proof })
    assert.equal(replay.status, 400)
    assert.equal(replay.body['error'], 'invalid_grant')
    // catalogue #124 sanity: the same request with a fresh proof succeeds.
    const fresh = await refresh(h, String(first.body['refresh_token']), {
      dpop: await dpopProof(h, keys, nonce),
    })
    assert.equal(fresh.status, 200)
  })

  void it('catalogue #125: a subject token not minted for the exchanging client is refused', async () => {
    const tokens = await redeem(h, await authorize(h, { resource: RESOURCE }))
    const result = await exchange(h, GATEWAY_CLIENT, GATEWAY_SECRET, {
      subject_token: tokens.access_token,
      resource: DOWNSTREAM,
    })
    assert.equal(result.body['error'], 'invalid_grant')
  })

  void it('catalogue #126: subject_token and subject_token_type are mandatory', async () => {
    const missing = await exchange(h, GATEWAY_CLIENT, GATEWAY_SECRET, { resource: DOWNSTREAM })
    assert.equal(missing.body['error'], 'invalid_request')
  })

  void it('catalogue #127: exchange cannot widen scope or reach an audience outside policy', async () => {
    const tokens = await redeem(
      h,
      await authorize(h, { resource: GATEWAY, untick: ['tools:write'] }),
    )
    const widen = await exchange(h, GATEWAY_CLIENT, GATEWAY_SECRET, {
      subject_token: tokens.access_token,
      resource: DOWNSTREAM,
      scope: 'tools:read tools:write',
    })
    assert.equal(widen.body['error'], 'invalid_scope')
    const audience = await exchange(h, GATEWAY_CLIENT, GATEWAY_SECRET, {
      subject_token: tokens.access_token,
      resource: RESOURCE,
    })
    assert.equal(audience.body['error'], 'invalid_target')
    const unknown = await exchange(h, GATEWAY_CLIENT, GATEWAY_SECRET, {
      subject_token: tokens.access_token,
      resource: 'https://evil.example/mcp',
    })
    assert.equal(unknown.body['error'], 'invalid_target')
  })

  void it('catalogue #128: unsupported token types and revoked or garbage subject tokens are refused', async () => {
    const tokens = await redeem(h, await authorize(h, { resource: GATEWAY }))
    const type = await exchange(h, GATEWAY_CLIENT, GATEWAY_SECRET, {
      subject_token: tokens.access_token,
      subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
      resource: DOWNSTREAM,
    })
    assert.equal(type.body['error'], 'invalid_request')
    const requested = await exchange(h, GATEWAY_CLIENT, GATEWAY_SECRET, {
      subject_token: tokens.access_token,
      requested_token_type: 'urn:ietf:params:oauth:token-type:refresh_token',
      resource: DOWNSTREAM,
    })
    assert.equal(requested.body['error'], 'invalid_request')
    const garbage = await exchange(h, GATEWAY_CLIENT, GATEWAY_SECRET, {
      subject_token: 'not-a-token',
      resource: DOWNSTREAM,
    })
    assert.equal(garbage.body['error'], 'invalid_grant')
    await oauth.processRevocationResponse(
      await oauth.revocationRequest(
        h.as,
        publicClient(),
        oauth.None(),
        tokens.access_token,
        insecure,
      ),
    )
    const revoked = await exchange(h, GATEWAY_CLIENT, GATEWAY_SECRET, {
      subject_token: tokens.access_token,
      resource: DOWNSTREAM,
    })
    assert.equal(revoked.body['error'], 'invalid_grant')
  })

  void it('catalogue #130: a second exchange nests the act chain', async () => {
    const tokens = await redeem(h, await authorize(h, { resource: GATEWAY }))
    const first = await exchange(h, GATEWAY_CLIENT, GATEWAY_SECRET, {
      subject_token: tokens.access_token,
      resource: DOWNSTREAM,
    })
    const second = await exchange(h, ORCHESTRATOR_CLIENT, ORCHESTRATOR_SECRET, {
      subject_token: String(first.body['access_token']),
      resource: RESOURCE,
    })
    assert.equal(second.status, 200)
    assert.deepEqual(decodeJwt(String(second.body['access_token']))['act'], {
      sub: ORCHESTRATOR_CLIENT,
      act: { sub: GATEWAY_CLIENT, act: { sub: PUBLIC_CLIENT } },
    })
  })

  void it('catalogue #134: a public client cannot exchange tokens', async () => {
    const tokens = await redeem(h, await authorize(h, { resource: GATEWAY }))
    const result = await tokenRequest(h, {
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      client_id: PUBLIC_CLIENT,
      subject_token: tokens.access_token,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      resource: DOWNSTREAM,
    })
    assert.ok(result.status >= 400)
    assert.equal(result.body['access_token'], undefined)
  })

  void it('catalogue #65: a subject token with alg none is refused', async () => {
    const tokens = await redeem(h, await authorize(h, { resource: GATEWAY }))
    const [, payload] = tokens.access_token.split('.')
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')
    const result = await exchange(h, GATEWAY_CLIENT, GATEWAY_SECRET, {
      subject_token: `${header}.${payload ?? ''}.`,
      resource: DOWNSTREAM,
    })
    assert.equal(result.body['error'], 'invalid_grant')
  })

  void it('catalogue #67: a subject token with a forged signature or foreign key is refused', async () => {
    const tokens = await redeem(h, await authorize(h, { resource: GATEWAY }))
    const claims = decodeJwt(tokens.access_token)
    const attacker = await generateKeyPair('ES256')
    const forged = await new SignJWT({ ...claims, scope: 'tools:read tools:write' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
      .sign(attacker.privateKey)
    assert.equal(
      (
        await exchange(h, GATEWAY_CLIENT, GATEWAY_SECRET, {
          subject_token: forged,
          resource: DOWNSTREAM,
        })
      ).body['error'],
      'invalid_grant',
    )
    const [head, body, signature] = tokens.access_token.split('.')
    const tampered = `${head ?? ''}.${body ?? ''}.${(signature ?? '').slice(0, -4)}AAAA`
    assert.equal(
      (
        await exchange(h, GATEWAY_CLIENT, GATEWAY_SECRET, {
          subject_token: tampered,
          resource: DOWNSTREAM,
        })
      ).body['error'],
      'invalid_grant',
    )
  })

  void it('catalogue #75: an ID token is not accepted where an access token is expected', async () => {
    const tokens = await redeem(
      h,
      await authorize(h, { resource: GATEWAY, scope: 'openid tools:read' }),
    )
    assert.ok(tokens.id_token)
    const result = await exchange(h, GATEWAY_CLIENT, GATEWAY_SECRET, {
      subject_token: tokens.id_token ?? '',
      resource: DOWNSTREAM,
    })
    assert.equal(result.body['error'], 'invalid_grant')
  })
})

/** Obtains a fresh DPoP nonce from the token endpoint (RFC 9449 §8). */
async function currentNonce(
  h: Harness,
  keys: { privateKey: CryptoKey; publicJwk: JWK },
): Promise<string> {
  const response = await fetch(h.as.token_endpoint ?? '', {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      dpop: await dpopProof(h, keys),
    },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: 'x',
      client_id: PUBLIC_CLIENT,
    }).toString(),
  })
  return response.headers.get('dpop-nonce') ?? ''
}
