// The gateway → upstream hop, hardened (issue 15): an exchanged token DPoP-bound to a key only
// the gateway holds, with a fresh proof on every upstream request (the notes example requiring
// DPoP and server nonces), and an exchanged token handed to a Mandate-aware stdio upstream by
// the stdio handshake, never in its environment or argv. Real authorization server, real
// upstreams, the official SDK client in front.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import type { JWTPayload } from 'jose'
import { createNotesServer } from '@mandate/example-notes-server'
import { createJwtVerifier, TokenRejectedError } from '@mandate/server'
import type { TokenVerifier, VerifiedToken } from '@mandate/server'
import type { Store } from '@mandate/store'
import { Client, DpopSession, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import {
  authorize,
  GATEWAY_CLIENT,
  GATEWAY_SECRET,
  PUBLIC_CLIENT,
  redeem,
  startServer,
} from '../../authorization-server/test/support/harness.ts'
import type { Harness } from '../../authorization-server/test/support/harness.ts'
import { sqliteBackend } from '../../../test/support/stores.ts'
import { createGateway, GatewayError } from '../src/index.ts'
import type { Gateway, UpstreamOptions } from '../src/index.ts'
import { fetchWithDpop } from '../src/credentials/hop-dpop.ts'
import { TokenExchangeClient } from '../src/credentials/token-exchange-client.ts'
import { listen, recording } from './support/servers.ts'
import type { Received } from './support/servers.ts'

const HANDSHAKE_SERVER = fileURLToPath(new URL('./support/handshake-server.ts', import.meta.url))
const STDIO_RESOURCE = 'https://files.mandate.example/stdio'
const textOf = (result: unknown): string =>
  ((result as { content?: { type: string; text?: string }[] }).content ?? [])
    .map((block) => block.text ?? '')
    .join('')
const sha256url = (value: string) => createHash('sha256').update(value).digest('base64url')
const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'replay', version: '0' },
  },
})
const MCP_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
}

/** The values of one header the notes upstream received, in order. */
function headerValues(received: Received, name: string): string[] {
  return received
    .filter((line) => line.startsWith(`${name}: `))
    .map((line) => line.slice(name.length + 2))
}

void describe('gateway → upstream hop: DPoP-bound exchanged tokens and the stdio handshake', () => {
  const closers: (() => Promise<void>)[] = []
  let h: Harness
  let gateway: Gateway
  let gatewayUrl: string
  let notesUrl: string
  let plainUrl: string
  let callerToken: string
  let metadataReads = 0
  const received: Received = []
  const plainReceived: Received = []
  const notesIdentities: VerifiedToken[] = []

  before(async () => {
    const backend = sqliteBackend()
    const store: Store = await backend.open({ migrate: true })
    closers.push(async () => {
      await store.close()
      await backend.cleanup()
    })
    const gatewayListener = await listen()
    const notesListener = await listen()
    const plainListener = await listen()
    closers.push(
      () => gatewayListener.close(),
      () => notesListener.close(),
      () => plainListener.close(),
    )
    gatewayUrl = `${gatewayListener.url}/mcp`
    notesUrl = `${notesListener.url}/mcp`
    plainUrl = `${plainListener.url}/mcp`
    h = await startServer(store, {
      resources: {
        [gatewayUrl]: { scopes: ['gateway', 'notes:read', 'files:read'] },
        [notesUrl]: { scopes: ['notes:read', 'notes:write'] },
        [plainUrl]: { scopes: ['notes:read', 'notes:write'] },
        [STDIO_RESOURCE]: { scopes: ['files:read'] },
      },
      tokenExchange: {
        policies: [
          {
            clientId: GATEWAY_CLIENT,
            subjectAudiences: [gatewayUrl],
            audiences: [notesUrl, plainUrl, STDIO_RESOURCE],
          },
        ],
      },
    })
    closers.push(() => h.close())

    // The notes example requiring DPoP-bound tokens and server nonces (RFC 9449 §7.1, §9), and
    // an `act` chain that names the gateway.
    const jwt = createJwtVerifier({ issuers: [{ issuer: h.issuer }], resource: notesUrl })
    const verifier: TokenVerifier = {
      async verify(token) {
        const verified = await jwt.verify(token)
        if (verified.act?.sub !== GATEWAY_CLIENT)
          throw new TokenRejectedError('act chain must name the gateway')
        notesIdentities.push(verified)
        return verified
      },
    }
    const notes = createNotesServer({
      resource: notesUrl,
      authorizationServers: [h.issuer],
      verifier,
      dpop: { required: true, nonce: true },
    })
    closers.push(() => notes.close())
    notesListener.serve(recording((request) => notes.fetch(request), received))
    // `dpop: 'auto'`'s positive control: a notes server whose RFC 9728 metadata neither asks for
    // nor offers DPoP (it accepts Bearer tokens); the metadata reads are counted.
    const plain = createNotesServer({
      resource: plainUrl,
      authorizationServers: [h.issuer],
      verifier: createJwtVerifier({ issuers: [{ issuer: h.issuer }], resource: plainUrl }),
    })
    closers.push(() => plain.close())
    const plainMetadata = { resource: plainUrl, authorization_servers: [h.issuer] }
    // At `/spoofed`, the same server behind metadata that asks for DPoP for another resource.
    const spoofedMetadata = {
      resource: 'https://elsewhere.example/mcp',
      authorization_servers: [h.issuer],
      dpop_bound_access_tokens_required: true,
    }
    plainListener.serve(
      recording((request) => {
        const { pathname } = new URL(request.url)
        if (pathname === '/spoofed') return plain.fetch(new Request(plainUrl, request))
        if (!pathname.startsWith('/.well-known/')) return plain.fetch(request)
        const spoofed = pathname.endsWith('/spoofed')
        if (!spoofed) metadataReads++
        return Promise.resolve(Response.json(spoofed ? spoofedMetadata : plainMetadata))
      }, plainReceived),
    )

    const upstreams: UpstreamOptions[] = [
      {
        name: 'notes',
        transport: { type: 'http', url: notesUrl },
        credential: { kind: 'exchange', resource: notesUrl, scopes: ['notes:read'], dpop: true },
        policy: [{ tools: ['whoami', 'list_notes'], action: 'allow', scopes: ['notes:read'] }],
      },
      {
        name: 'autonotes',
        transport: { type: 'http', url: notesUrl },
        credential: { kind: 'exchange', resource: notesUrl, scopes: ['notes:read'], dpop: 'auto' },
        policy: [{ tools: ['whoami'], action: 'allow' }],
      },
      {
        name: 'plain',
        transport: { type: 'http', url: plainUrl },
        credential: { kind: 'exchange', resource: plainUrl, scopes: ['notes:read'], dpop: 'auto' },
        policy: [{ tools: ['whoami'], action: 'allow' }],
      },
      {
        name: 'spoofed',
        transport: { type: 'http', url: `${plainListener.url}/spoofed` },
        credential: { kind: 'exchange', resource: plainUrl, scopes: ['notes:read'], dpop: 'auto' },
        policy: [{ tools: ['whoami'], action: 'allow' }],
      },
      {
        name: 'files',
        transport: {
          type: 'stdio',
          command: process.execPath,
          args: ['--conditions=@mandate/source', HANDSHAKE_SERVER, h.issuer, STDIO_RESOURCE],
        },
        credential: {
          kind: 'exchange',
          resource: STDIO_RESOURCE,
          scopes: ['files:read'],
          handshake: true,
        },
        policy: [{ tools: ['whoami'], action: 'allow' }],
      },
    ]
    gateway = createGateway({
      resource: gatewayUrl,
      authorizationServers: [h.issuer],
      verifier: { jwt: { issuers: [{ issuer: h.issuer }] } },
      store,
      upstreams,
      tokenExchange: {
        tokenEndpoint: h.as.token_endpoint ?? '',
        clientId: GATEWAY_CLIENT,
        clientSecret: GATEWAY_SECRET,
      },
    })
    closers.push(() => gateway.close())
    gatewayListener.serve((request) => gateway.fetch(request))

    const result = await authorize(h, {
      resource: gatewayUrl,
      scope: 'gateway notes:read files:read',
      username: 'alice',
    })
    callerToken = (await redeem(h, result)).access_token
  })
  after(async () => {
    for (const closer of closers.reverse()) await closer().catch(() => undefined)
  })

  async function connect(): Promise<Client> {
    const client = new Client({ name: 'hop-test-host', version: '0' })
    await client.connect(
      new StreamableHTTPClientTransport(new URL(gatewayUrl), {
        requestInit: { headers: { authorization: `Bearer ${callerToken}` } },
      }),
    )
    closers.push(() => client.close())
    return client
  }

  /** The exchanged token the gateway presented to the notes upstream last. */
  function lastExchanged(): string {
    const value = headerValues(received, 'authorization').at(-1) ?? ''
    assert.match(value, /^DPoP /, 'the bound token travels in Authorization: DPoP')
    return value.slice('DPoP '.length)
  }

  void it('the upstream gets a DPoP-bound exchanged token (cnf.jkt) and a valid proof per request', async () => {
    const client = await connect()
    notesIdentities.length = 0
    received.length = 0
    const who = JSON.parse(
      textOf(await client.callTool({ name: 'notes__whoami', arguments: {} })),
    ) as { client_id: string; scopes: string[]; dpop: boolean; act: unknown }
    assert.equal(who.dpop, true, 'the upstream accepted a DPoP-bound token')
    assert.deepEqual(who.scopes, ['notes:read'])
    assert.deepEqual(who.act, { sub: GATEWAY_CLIENT, act: { sub: PUBLIC_CLIENT } })
    await client.callTool({ name: 'notes__whoami', arguments: {} })

    const token = lastExchanged()
    const claims = decodeJwt<JWTPayload & { cnf?: { jkt?: string } }>(token)
    assert.equal(claims.aud, notesUrl)
    const jkt = claims.cnf?.jkt
    assert.ok(jkt !== undefined, 'the exchanged token is bound (RFC 9449 §6.1)')
    assert.ok(notesIdentities.every((id) => id.jkt === jkt))
    // The caller's token never reaches the upstream (catalogue: token passthrough).
    assert.equal(
      received.some((line) => line.includes(callerToken)),
      false,
    )

    const proofs = headerValues(received, 'dpop')
    assert.ok(proofs.length >= 3, 'a proof on every upstream request')
    const payloads = proofs.map((proof) => {
      assert.equal(decodeProtectedHeader(proof).typ, 'dpop+jwt')
      return decodeJwt(proof)
    })
    assert.equal(new Set(payloads.map((p) => p.jti)).size, payloads.length, 'never reused')
    for (const payload of payloads) {
      assert.equal(payload['htu'], notesUrl)
      assert.equal(typeof payload['htm'], 'string')
      assert.equal(payload['ath'], sha256url(token))
    }
    // The upstream asked for a nonce (RFC 9449 §9); the gateway retried with it.
    assert.ok(payloads.some((p) => typeof p['nonce'] === 'string'))
  })

  void it('catalogue #117: a captured exchanged token is refused as Bearer or with another key; its own key works', async () => {
    const client = await connect()
    received.length = 0
    await client.callTool({ name: 'notes__whoami', arguments: {} })
    const captured = lastExchanged()

    // Downgrade to Bearer (RFC 9449 §7.2).
    const asBearer = await fetch(notesUrl, {
      method: 'POST',
      headers: { ...MCP_HEADERS, authorization: `Bearer ${captured}` },
      body: INITIALIZE,
    })
    assert.equal(asBearer.status, 401)
    // Refused, and told to use DPoP (RFC 9449 §7.1).
    assert.match(asBearer.headers.get('www-authenticate') ?? '', /^DPoP /)
    await asBearer.body?.cancel()

    // With the DPoP scheme and a valid proof (nonce included) signed by another key.
    const attacker = await DpopSession.create()
    const otherKey = await fetchWithDpop(
      fetch,
      attacker,
      notesUrl,
      {
        method: 'POST',
        headers: { ...MCP_HEADERS, authorization: `DPoP ${captured}` },
        body: INITIALIZE,
      },
      captured,
    )
    assert.equal(otherKey.status, 401)
    assert.match(otherKey.headers.get('www-authenticate') ?? '', /invalid_dpop_proof|invalid_token/)
    await otherKey.body?.cancel()

    // Positive control: a token exchanged and bound to the attacker's key works with its
    // proofs (so the refusal above is about the key, not about proofs from outside the gateway).
    const exchange = new TokenExchangeClient({
      tokenEndpoint: h.as.token_endpoint ?? '',
      clientId: GATEWAY_CLIENT,
      clientSecret: GATEWAY_SECRET,
    })
    const own = await exchange.exchange(callerToken, notesUrl, ['notes:read'], undefined, attacker)
    const ownKey = await fetchWithDpop(
      fetch,
      attacker,
      notesUrl,
      {
        method: 'POST',
        headers: { ...MCP_HEADERS, authorization: `DPoP ${own.token}` },
        body: INITIALIZE,
      },
      own.token,
    )
    assert.equal(ownKey.status, 200)
    await ownKey.body?.cancel()
    // And the gateway's own calls keep working.
    const again = await client.callTool({ name: 'notes__whoami', arguments: {} })
    assert.match(textOf(again), /"dpop":true/)
  })

  void it('exchanged tokens are cached per binding key; an authorization server that ignores the proof is refused', async () => {
    const options = {
      tokenEndpoint: h.as.token_endpoint ?? '',
      clientId: GATEWAY_CLIENT,
      clientSecret: GATEWAY_SECRET,
    }
    const exchange = new TokenExchangeClient(options)
    const [one, two] = [await DpopSession.create(), await DpopSession.create()]
    const first = await exchange.exchange(callerToken, notesUrl, ['notes:read'], undefined, one)
    const cached = await exchange.exchange(callerToken, notesUrl, ['notes:read'], undefined, one)
    const other = await exchange.exchange(callerToken, notesUrl, ['notes:read'], undefined, two)
    assert.equal(cached.cached, true)
    assert.equal(cached.token, first.token)
    assert.equal(other.cached, false)
    const jktOf = (token: string) => (decodeJwt(token) as { cnf?: { jkt?: string } }).cnf?.jkt
    assert.equal(jktOf(first.token), one.thumbprint)
    assert.equal(jktOf(other.token), two.thumbprint)

    // A token endpoint that drops the proof answers with a Bearer token: refused, never used.
    const stripping = new TokenExchangeClient({
      ...options,
      fetch: (input, init) => {
        const headers = new Headers(init?.headers)
        headers.delete('dpop')
        return fetch(input, { ...init, headers })
      },
    })
    await assert.rejects(
      stripping.exchange(callerToken, notesUrl, ['notes:read'], undefined, one),
      (error: unknown) =>
        error instanceof GatewayError && error.code === 'ERR_GATEWAY_EXCHANGE_UNBOUND',
    )
    // Positive control: without asking for a binding, the same endpoint's Bearer token is fine.
    const unbound = await stripping.exchange(callerToken, notesUrl, ['notes:read'])
    assert.equal(jktOf(unbound.token), undefined)
  })

  void it('the authorization server binds an exchanged token only with a fresh, valid proof for its token endpoint', async () => {
    const tokenEndpoint = h.as.token_endpoint ?? ''
    const key = await DpopSession.create()
    const exchangeWith = (proof: string) =>
      fetch(tokenEndpoint, {
        method: 'POST',
        headers: {
          authorization: `Basic ${btoa(`${GATEWAY_CLIENT}:${GATEWAY_SECRET}`)}`,
          'content-type': 'application/x-www-form-urlencoded',
          dpop: proof,
        },
        body: new URLSearchParams({
          grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
          subject_token: callerToken,
          subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
          resource: notesUrl,
          scope: 'notes:read',
        }),
      })
    const errorOf = async (response: Response) =>
      ((await response.json()) as { error?: string }).error
    // RFC 9449 §8: no nonce yet → use_dpop_nonce with one.
    const first = await exchangeWith(await key.buildProof({ htm: 'POST', htu: tokenEndpoint }))
    assert.equal(first.status, 400)
    assert.equal(await errorOf(first), 'use_dpop_nonce')
    key.observeNonce(first, tokenEndpoint)
    // A proof for another URL is refused (RFC 9449 §4.3 `htu`).
    const elsewhere = await exchangeWith(
      await key.buildProof({
        htm: 'POST',
        htu: notesUrl,
        ...(key.nonceFor(tokenEndpoint) === undefined
          ? {}
          : { nonce: key.nonceFor(tokenEndpoint) ?? '' }),
      }),
    )
    assert.equal(elsewhere.status, 400)
    assert.equal(await errorOf(elsewhere), 'invalid_dpop_proof')
    // Positive control: a valid proof binds the token to its key.
    const proof = await key.buildProof({ htm: 'POST', htu: tokenEndpoint })
    const bound = await exchangeWith(proof)
    assert.equal(bound.status, 200)
    const body = (await bound.json()) as { token_type: string; access_token: string }
    assert.equal(body.token_type, 'DPoP')
    const cnf = decodeJwt<{ cnf?: { jkt?: string } }>(body.access_token).cnf
    assert.equal(cnf?.jkt, key.thumbprint)
    // The same proof again is a replay (RFC 9449 §11.1).
    const replayed = await exchangeWith(proof)
    assert.equal(replayed.status, 400)
    assert.equal(await errorOf(replayed), 'invalid_grant')
  })

  void it("dpop 'auto': bound when the upstream's RFC 9728 metadata requires DPoP", async () => {
    const client = await connect()
    received.length = 0
    const who = JSON.parse(
      textOf(await client.callTool({ name: 'autonotes__whoami', arguments: {} })),
    ) as { dpop: boolean }
    // The notes upstream refuses Bearer tokens: without reading its metadata this call fails.
    assert.equal(who.dpop, true)
    assert.match(headerValues(received, 'authorization').at(-1) ?? '', /^DPoP /)
  })

  void it("dpop 'auto': Bearer when the metadata neither asks for nor offers DPoP, read once", async () => {
    const client = await connect()
    for (let i = 0; i < 2; i++) {
      const who = JSON.parse(
        textOf(await client.callTool({ name: 'plain__whoami', arguments: {} })),
      ) as { dpop: boolean; scopes: string[] }
      assert.equal(who.dpop, false)
      assert.deepEqual(who.scopes, ['notes:read'])
    }
    assert.match(headerValues(plainReceived, 'authorization').at(-1) ?? '', /^Bearer /)
    assert.equal(headerValues(plainReceived, 'dpop').length, 0)
    assert.equal(metadataReads, 1, 'the metadata is read once and cached')
  })

  void it("dpop 'auto': metadata naming another resource is not used (RFC 9728 §3.3)", async () => {
    const client = await connect()
    const who = JSON.parse(
      textOf(await client.callTool({ name: 'spoofed__whoami', arguments: {} })),
    ) as { dpop: boolean }
    assert.equal(who.dpop, false)
  })

  void it('a Mandate-aware stdio upstream gets its exchanged token by the stdio handshake only', async () => {
    const client = await connect()
    const who = JSON.parse(
      textOf(await client.callTool({ name: 'files__whoami', arguments: {} })),
    ) as {
      aud: unknown
      act: unknown
      scopes: string[]
      bound: boolean
      inEnv: boolean
      inArgv: boolean
    }
    // The stdio server verified the token for its own resource (aud) with the act chain.
    assert.equal(who.aud, STDIO_RESOURCE)
    assert.deepEqual(who.act, { sub: GATEWAY_CLIENT, act: { sub: PUBLIC_CLIENT } })
    assert.deepEqual(who.scopes, ['files:read'])
    assert.equal(who.bound, false, 'a handshake token is never DPoP-bound (docs/stdio.md)')
    assert.equal(who.inEnv, false, 'not in the environment')
    assert.equal(who.inArgv, false, 'not in argv')
  })
})

void describe('gateway: where an exchanged token may be bound or handed over', () => {
  const base = {
    resource: 'http://127.0.0.1:1/mcp',
    authorizationServers: ['http://127.0.0.1:2'],
    verifier: { jwt: { issuers: [{ issuer: 'http://127.0.0.1:2' }] } },
    tokenExchange: { tokenEndpoint: 'http://127.0.0.1:2/token', clientId: 'g', clientSecret: 's' },
  }
  const http = { type: 'http', url: 'http://127.0.0.1:3/mcp' } as const
  const stdio = { type: 'stdio', command: process.execPath } as const
  const exchange = { kind: 'exchange', resource: 'http://127.0.0.1:3/mcp', scopes: ['a'] } as const
  const build = (
    transport: UpstreamOptions['transport'],
    credential: Partial<Extract<UpstreamOptions['credential'], { kind: 'exchange' }>>,
  ) =>
    createGateway({
      ...base,
      upstreams: [
        {
          name: 'up',
          transport,
          credential: { ...exchange, ...credential, kind: 'exchange' },
          policy: [],
        },
      ],
    })
  const refused = (key: string) => (error: unknown) =>
    (error as { code?: string; key?: string }).code === 'ERR_CONFIGURATION' &&
    (error as { key?: string }).key === key

  void it('refuses dpop off HTTP, a reformatted bound token, and a handshake off stdio or beside env', async () => {
    const where = 'gateway.upstreams[0].credential'
    assert.throws(() => build(stdio, { dpop: true, env: 'T' }), refused(`${where}.dpop`))
    assert.throws(() => build(stdio, { dpop: 'auto', env: 'T' }), refused(`${where}.dpop`))
    assert.throws(() => build(http, { dpop: true, header: 'x-token' }), refused(`${where}.dpop`))
    assert.throws(
      () => build(http, { dpop: true, format: 'Bearer {token}' }),
      refused(`${where}.dpop`),
    )
    assert.throws(() => build(http, { handshake: true }), refused(`${where}.handshake`))
    assert.throws(() => build(stdio, { handshake: true, env: 'T' }), refused(`${where}.handshake`))
    // Positive controls: the same keys where they belong.
    await build(http, { dpop: true }).close()
    await build(http, { dpop: 'auto' }).close()
    await build(stdio, { handshake: true }).close()
  })
})
