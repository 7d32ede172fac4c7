// Two authorization-server processes on one PostgreSQL schema behind a loopback balancer:
// what one instance knows, the other enforces (catalogue #30, #52, #114).
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { createServer, request } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { randomUUID } from 'node:crypto'
import * as oauth from 'oauth4webapi'
import { SignJWT, exportJWK, generateKeyPair } from 'jose'
import { postgresBackend } from '../../../test/support/stores.ts'
import type { Store } from '@mandate/store'
import { Users } from '../src/index.ts'
import {
  authorize,
  insecure,
  PASSWORD,
  publicClient,
  PUBLIC_CLIENT,
  redeem,
  TEST_KEYS,
} from './support/harness.ts'
import type { Endpoint } from './support/harness.ts'

const backend = postgresBackend()
const skip = await backend.skip()

void describe('multi-instance on PostgreSQL (two processes)', { skip }, () => {
  let store: Store
  const children: ChildProcess[] = []
  const ports: number[] = []
  let balancer: Server
  let endpoint: Endpoint

  before(async () => {
    store = await backend.open({ migrate: true })
    await new Users(store, TEST_KEYS).add({ username: 'alice', password: PASSWORD })
    balancer = createServer((req, res) => {
      // Routes by `x-instance` (a, b); the browser's requests go to a.
      const port = req.headers['x-instance'] === 'b' ? ports[1] : ports[0]
      const upstream = request(
        { host: '127.0.0.1', port, path: req.url, method: req.method, headers: req.headers },
        (response) => {
          res.writeHead(response.statusCode ?? 502, response.headers)
          response.pipe(res)
        },
      )
      upstream.on('error', () => res.writeHead(502).end())
      req.pipe(upstream)
    })
    await new Promise<void>((resolve) => balancer.listen(0, '127.0.0.1', resolve))
    const issuer = `http://127.0.0.1:${String((balancer.address() as AddressInfo).port)}`
    const schema = (backend.options() as { schema: string }).schema
    const main = fileURLToPath(new URL('./support/instance-main.ts', import.meta.url))
    for (let i = 0; i < 2; i++) {
      const child = spawn(
        process.execPath,
        ['--conditions=@mandate/source', '--disable-warning=ExperimentalWarning', main],
        {
          env: { ...process.env, AS_SCHEMA: schema, AS_ISSUER: issuer },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      )
      children.push(child)
      ports.push(
        await new Promise<number>((resolve, reject) => {
          child.stdout.on('data', (chunk: Buffer) => {
            const match = /ready (\d+)/.exec(chunk.toString())
            if (match?.[1] !== undefined) resolve(Number(match[1]))
          })
          child.once('exit', (code) => {
            reject(new Error(`instance exited with ${String(code)}`))
          })
        }),
      )
    }
    const issuerUrl = new URL(issuer)
    endpoint = {
      issuer,
      as: await oauth.processDiscoveryResponse(
        issuerUrl,
        await oauth.discoveryRequest(issuerUrl, insecure),
      ),
    }
  })

  after(async () => {
    for (const child of children) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    }
    balancer.closeAllConnections()
    await new Promise((resolve) => balancer.close(resolve))
    await store.close()
    await backend.cleanup()
  })

  const token = async (
    instance: 'a' | 'b',
    form: Record<string, string>,
    headers: Record<string, string> = {},
  ) => {
    const response = await fetch(endpoint.as.token_endpoint ?? '', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-instance': instance,
        ...headers,
      },
      body: new URLSearchParams(form).toString(),
    })
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
      nonce: response.headers.get('dpop-nonce'),
    }
  }

  void it('catalogue #30: a code redeemed in parallel on both instances gives exactly one token', async () => {
    for (let round = 0; round < 3; round++) {
      const result = await authorize(endpoint)
      const form = {
        grant_type: 'authorization_code',
        code: result.callback.searchParams.get('code') ?? '',
        redirect_uri: result.callback.origin + result.callback.pathname,
        client_id: PUBLIC_CLIENT,
        code_verifier: result.verifier,
      }
      const [a, b] = await Promise.all([token('a', form), token('b', form)])
      assert.equal([a, b].filter((r) => r.status === 200).length, 1)
    }
  })

  void it('catalogue #114: a DPoP proof used on one instance is refused by the other', async () => {
    const pair = await generateKeyPair('ES256', { extractable: true })
    const publicJwk = await exportJWK(pair.publicKey)
    const tokens = await redeem(
      endpoint,
      await authorize(endpoint),
      oauth.DPoP(publicClient(), pair),
    )
    const proof = (nonce: string) =>
      new SignJWT({ htm: 'POST', htu: endpoint.as.token_endpoint ?? '', jti: randomUUID(), nonce })
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: publicJwk })
        .setIssuedAt()
        .sign(pair.privateKey)
    const probe = await token(
      'a',
      { grant_type: 'refresh_token', refresh_token: 'x', client_id: PUBLIC_CLIENT },
      { dpop: await proof('') },
    )
    const nonce = probe.nonce ?? ''
    const used = await proof(nonce)
    const first = await token(
      'a',
      {
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token ?? '',
        client_id: PUBLIC_CLIENT,
      },
      { dpop: used },
    )
    assert.equal(first.status, 200)
    const replay = await token(
      'b',
      {
        grant_type: 'refresh_token',
        refresh_token: String(first.body['refresh_token']),
        client_id: PUBLIC_CLIENT,
      },
      { dpop: used },
    )
    assert.equal(replay.status, 400)
    const fresh = await token(
      'b',
      {
        grant_type: 'refresh_token',
        refresh_token: String(first.body['refresh_token']),
        client_id: PUBLIC_CLIENT,
      },
      { dpop: await proof(nonce) },
    )
    assert.equal(fresh.status, 200)
  })

  void it('catalogue #52: refresh-token reuse detected on one instance revokes the grant on both', async () => {
    const tokens = await redeem(endpoint, await authorize(endpoint))
    const rotated = await token('a', {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token ?? '',
      client_id: PUBLIC_CLIENT,
    })
    assert.equal(rotated.status, 200)
    const reuse = await token('b', {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token ?? '',
      client_id: PUBLIC_CLIENT,
    })
    assert.equal(reuse.body['error'], 'invalid_grant')
    const latest = await token('a', {
      grant_type: 'refresh_token',
      refresh_token: String(rotated.body['refresh_token']),
      client_id: PUBLIC_CLIENT,
    })
    assert.equal(latest.body['error'], 'invalid_grant')
  })
})
