// A minimal token issuer for negative tests: RFC 8414 metadata and a JWKS on 127.0.0.1:0, and a
// signer for hand-crafted (hostile) access tokens and DPoP proofs. The happy paths run against a
// real oidc-provider (oidc-as.ts); this one exists to sign what no correct AS would.
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomUUID } from 'node:crypto'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose'
import type { CryptoKey, JWK, JWTPayload } from 'jose'

export interface TestIssuer {
  issuer: string
  /** How many times the JWKS was fetched. */
  jwksFetches: number
  /** Adds the `next` key (kid `next`) to the published JWKS, as a key rotation would. */
  publishNext(): Promise<void>
  /** `ok`, `down` (500), `hang` (never answers), `private` (serves private keys). */
  mode: 'ok' | 'down' | 'hang' | 'private'
  /** Signs an access token; `claims` are merged over valid defaults for `resource`. */
  token(
    resource: string,
    claims?: Record<string, unknown>,
    header?: Record<string, unknown>,
    key?: 'es256' | 'rs256' | 'other' | 'next',
    crit?: Record<string, boolean>,
  ): Promise<string>
  close(): Promise<void>
}

export interface DpopKey {
  jkt: string
  /** Signs a proof; `claims` and `header` override the valid defaults. */
  proof(
    htm: string,
    htu: string,
    accessToken: string | undefined,
    claims?: Record<string, unknown>,
    header?: Record<string, unknown>,
  ): Promise<string>
}

const now = (): number => Math.floor(Date.now() / 1000)
// Drops members set to undefined, so that tests can remove a claim or header by overriding it.
const defined = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))

export async function startTestIssuer(): Promise<TestIssuer> {
  const es = await generateKeyPair('ES256', { extractable: true })
  const rs = await generateKeyPair('RS256', { extractable: true })
  const other = await generateKeyPair('ES256', { extractable: true })
  const next = await generateKeyPair('ES256', { extractable: true })
  const publicJwks = {
    keys: [
      { ...(await exportJWK(es.publicKey)), kid: 'es', alg: 'ES256', use: 'sig' },
      { ...(await exportJWK(rs.publicKey)), kid: 'rs', alg: 'RS256', use: 'sig' },
    ],
  }
  const privateJwks = {
    keys: [{ ...(await exportJWK(es.privateKey)), kid: 'es', alg: 'ES256' }],
  }
  const server = createServer()
  const hanging = new Set<() => void>()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const issuer = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`
  const state: TestIssuer = {
    issuer,
    jwksFetches: 0,
    mode: 'ok',
    async publishNext() {
      publicJwks.keys.push({
        ...(await exportJWK(next.publicKey)),
        kid: 'next',
        alg: 'ES256',
        use: 'sig',
      })
    },
    async token(resource, claims = {}, header = {}, key = 'es256', crit) {
      const signingKey: CryptoKey = {
        rs256: rs.privateKey,
        other: other.privateKey,
        next: next.privateKey,
        es256: es.privateKey,
      }[key]
      const alg = key === 'rs256' ? 'RS256' : 'ES256'
      const payload: JWTPayload = {
        iss: issuer,
        sub: 'alice',
        aud: resource,
        client_id: 'client-1',
        scope: 'notes:read',
        iat: now(),
        exp: now() + 300,
        jti: randomUUID(),
        ...claims,
      }
      return new SignJWT(defined(payload))
        .setProtectedHeader(
          defined({
            alg,
            typ: 'at+jwt',
            kid: { rs256: 'rs', next: 'next' }[key as string] ?? 'es',
            ...header,
          }) as never,
        )
        .sign(signingKey, crit === undefined ? undefined : { crit })
    },
    async close() {
      for (const release of hanging) release()
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    },
  }
  server.on('request', (req, res) => {
    if (req.url === '/.well-known/oauth-authorization-server') {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }))
      return
    }
    if (req.url === '/jwks') {
      state.jwksFetches++
      if (state.mode === 'hang') {
        hanging.add(() => res.destroy())
        return
      }
      if (state.mode === 'down') {
        res.statusCode = 500
        res.end()
        return
      }
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify(state.mode === 'private' ? privateJwks : publicJwks))
      return
    }
    res.statusCode = 404
    res.end()
  })
  return state
}

/** A client's DPoP key pair. */
export async function createDpopKey(
  alg: 'ES256' | 'RS256' = 'ES256',
): Promise<DpopKey & { jwk: JWK; privateJwk: JWK }> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true })
  const jwk = await exportJWK(publicKey)
  const privateJwk = await exportJWK(privateKey)
  const jkt = await calculateJwkThumbprint(jwk)
  return {
    jkt,
    jwk,
    privateJwk,
    async proof(htm, htu, accessToken, claims = {}, header = {}) {
      const { createHash } = await import('node:crypto')
      const payload: JWTPayload = {
        htm,
        htu,
        iat: now(),
        jti: randomUUID(),
        ...(accessToken === undefined
          ? {}
          : { ath: createHash('sha256').update(accessToken).digest('base64url') }),
        ...claims,
      }
      return new SignJWT(defined(payload))
        .setProtectedHeader(defined({ alg, typ: 'dpop+jwt', jwk, ...header }) as never)
        .sign(privateKey)
    },
  }
}
