// A real deployment in one process tree: Mandate's authorization server (real store), the
// gateway in front of four upstreams Mandate did not write or that only know Mandate tokens:
// server-everything over stdio and over Streamable HTTP, the notes example (token exchange, it
// refuses tokens without the gateway in their `act` chain) and a stdio server that reads its
// credential from the environment (the user's linked account, from the vault).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AuditEvent } from '@mandate/core'
import { createNotesServer } from '@mandate/example-notes-server'
import { createJwtVerifier, TokenRejectedError } from '@mandate/server'
import type { TokenVerifier, VerifiedToken } from '@mandate/server'
import { createLinking, oidcSessionResolver } from '@mandate/server/linking'
import type { Linking } from '@mandate/server/linking'
import type { Store } from '@mandate/store'
import { createProviderCatalog, keyFileProvider, openVault } from '@mandate/vault'
import type { Vault } from '@mandate/vault'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import {
  authorize,
  GATEWAY_CLIENT,
  GATEWAY_SECRET,
  PASSWORD,
  redeem,
  startServer,
} from '../../../authorization-server/test/support/harness.ts'
import type { Harness } from '../../../authorization-server/test/support/harness.ts'
import { sqliteBackend } from '../../../../test/support/stores.ts'
import { createGateway } from '../../src/index.ts'
import type { Gateway, GatewayOptions, UpstreamOptions } from '../../src/index.ts'
import {
  ENV_TOKEN_SERVER,
  everythingStdio,
  listen,
  proxyTo,
  recording,
  startEverythingHttp,
} from './servers.ts'
import type { Received } from './servers.ts'

export const STATIC_SECRET = 'static-service-credential-0123456789abcdef'
export const ENV_PROVIDER = 'envkey'

export interface GatewayEnv {
  h: Harness
  gatewayUrl: string
  notesUrl: string
  gateway: Gateway
  vault: Vault
  /** What each HTTP upstream received (header lines and bodies). */
  received: { notes: Received; everything: Received }
  /** Tokens the notes upstream accepted (its verifier checks the `act` chain). */
  notesIdentities: VerifiedToken[]
  audit: AuditEvent[]
  /** An access token for the gateway, for `username`, through login and consent. */
  token(username: string, scope?: string): Promise<string>
  /** The SDK v2 client connected to the gateway with `token`. */
  connect(token: string): Promise<Client>
  close(): Promise<void>
}

export type UpstreamOverride = (upstreams: UpstreamOptions[]) => UpstreamOptions[]

/** More gateway options, given the authorization server (e.g. `risk`, `sourceAddress`). */
export type OptionsOverride = (h: Harness) => Partial<GatewayOptions>

export async function startGatewayEnv(
  override: UpstreamOverride = (u) => u,
  more: OptionsOverride = () => ({}),
): Promise<GatewayEnv> {
  const closers: (() => Promise<void>)[] = []
  const close = async () => {
    for (const closer of closers.reverse()) await closer().catch(() => undefined)
  }
  try {
    const backend = sqliteBackend()
    const store: Store = await backend.open({ migrate: true })
    closers.push(async () => {
      await store.close()
      await backend.cleanup()
    })
    const gatewayListener = await listen()
    const notesListener = await listen()
    const everythingListener = await listen()
    closers.push(
      () => gatewayListener.close(),
      () => notesListener.close(),
      () => everythingListener.close(),
    )
    const gatewayUrl = `${gatewayListener.url}/mcp`
    const notesUrl = `${notesListener.url}/mcp`
    const h = await startServer(store, {
      resources: {
        [gatewayUrl]: { scopes: ['gateway', 'notes:read', 'notes:write'] },
        [notesUrl]: { scopes: ['notes:read', 'notes:write'] },
      },
      tokenExchange: {
        policies: [
          { clientId: GATEWAY_CLIENT, subjectAudiences: [gatewayUrl], audiences: [notesUrl] },
        ],
      },
    })
    closers.push(() => h.close())
    if ((await h.server.users.findByUsername('bob')) === undefined) {
      await h.server.users.add({ username: 'bob', password: PASSWORD, displayName: 'Bob' })
    }
    const aliceSub = (await h.server.users.findByUsername('alice'))?.id ?? ''

    // The notes example: a Mandate-aware upstream that accepts only exchanged tokens whose
    // `act` chain names the gateway (the upstream, not the gateway, checks it).
    const notesIdentities: VerifiedToken[] = []
    const jwt = createJwtVerifier({ issuers: [{ issuer: h.issuer }], resource: notesUrl })
    const verifier: TokenVerifier = {
      async verify(token) {
        const verified = await jwt.verify(token)
        if (verified.act?.sub !== GATEWAY_CLIENT)
          throw new TokenRejectedError('act chain must name the gateway')
        notesIdentities.push(verified)
        return verified
      },
      close: () => {
        jwt.close?.()
      },
    }
    const notes = createNotesServer({
      resource: notesUrl,
      authorizationServers: [h.issuer],
      verifier,
    })
    closers.push(() => notes.close())
    const received = { notes: [] as Received, everything: [] as Received }
    notesListener.serve(recording((request) => notes.fetch(request), received.notes))

    const everything = await startEverythingHttp()
    closers.push(async () => {
      everything.child.kill('SIGTERM')
      return Promise.resolve()
    })
    everythingListener.serve(
      recording(proxyTo(new URL(everything.url).origin), received.everything),
    )

    const dir = mkdtempSync(join(tmpdir(), 'mandate-gateway-'))
    closers.push(() => {
      rmSync(dir, { recursive: true, force: true })
      return Promise.resolve()
    })
    const vault = await openVault({
      store,
      keys: keyFileProvider(join(dir, 'vault.key')),
      catalog: createProviderCatalog({
        presets: [],
        providers: [{ id: ENV_PROVIDER, kind: 'api_key', display_name: 'Env Key' }],
      }),
      backgroundRewrap: false,
    })
    closers.push(() => vault.close())
    const linking: Linking = await createLinking({
      store,
      vault,
      baseUrl: gatewayListener.url,
      serverName: 'Gateway (test)',
      signedInUser: oidcSessionResolver(() => h.server.provider()),
    })
    closers.push(() => {
      linking.close()
      return Promise.resolve()
    })

    const audit: AuditEvent[] = []
    const upstreams: UpstreamOptions[] = override([
      {
        name: 'everything',
        transport: { type: 'stdio', ...everythingStdio() },
        credential: { kind: 'static', value: STATIC_SECRET, env: 'SERVICE_TOKEN' },
        policy: [
          { tools: ['get-tiny-image'], action: 'deny' },
          // Arguments: listed, but called only with a < 100.
          { tools: ['get-sum'], action: 'allow', when: "phase == 'list' || args.a < 100.0" },
          // Per user: alice only.
          {
            tools: ['get-structured-content'],
            action: 'allow',
            when: `claims.sub == '${aliceSub}'`,
          },
          // A deny rule that cannot be evaluated (no such claim) denies: it never falls through
          // to the allow rule below.
          { tools: ['get-annotated-message'], action: 'deny', when: "claims.department == 'x'" },
          { tools: ['get-annotated-message'], action: 'allow' },
          { tools: ['echo', 'get-env'], action: 'allow' },
          // Prompts and resources are named `prompt:<name>` and `resource:<uri>` for policy.
          { tools: ['prompt:simple-prompt', 'resource:demo://resource/static/*'], action: 'allow' },
        ],
      },
      {
        name: 'web',
        transport: { type: 'http', url: `${everythingListener.url}/mcp` },
        credential: { kind: 'static', value: STATIC_SECRET },
        policy: [{ tools: ['echo'], action: 'allow' }],
      },
      {
        name: 'notes',
        transport: { type: 'http', url: notesUrl },
        credential: { kind: 'exchange', resource: notesUrl, scopes: ['notes:read'] },
        policy: [{ tools: ['whoami', 'list_notes'], action: 'allow', scopes: ['notes:read'] }],
      },
      {
        name: 'envtoken',
        transport: { type: 'stdio', command: process.execPath, args: [ENV_TOKEN_SERVER] },
        credential: { kind: 'vault', provider: ENV_PROVIDER, env: 'UPSTREAM_TOKEN' },
        policy: [{ action: 'allow' }],
      },
    ])
    const options: GatewayOptions = {
      resource: gatewayUrl,
      authorizationServers: [h.issuer],
      verifier: { jwt: { issuers: [{ issuer: h.issuer }] } },
      store,
      upstreams,
      linking,
      tokenExchange: {
        tokenEndpoint: h.as.token_endpoint ?? '',
        clientId: GATEWAY_CLIENT,
        clientSecret: GATEWAY_SECRET,
      },
      audit: (event) => {
        audit.push(event)
      },
      ...more(h),
    }
    const gateway = createGateway(options)
    closers.push(() => gateway.close())
    gatewayListener.serve((request) => gateway.fetch(request))

    return {
      h,
      gatewayUrl,
      notesUrl,
      gateway,
      vault,
      received,
      notesIdentities,
      audit,
      async token(username, scope = 'gateway notes:read') {
        const result = await authorize(h, { resource: gatewayUrl, scope, username })
        return (await redeem(h, result)).access_token
      },
      async connect(token) {
        const client = new Client({ name: 'gateway-test-host', version: '0' })
        await client.connect(
          new StreamableHTTPClientTransport(new URL(gatewayUrl), {
            requestInit: { headers: { authorization: `Bearer ${token}` } },
          }),
        )
        closers.push(() => client.close())
        return client
      },
      close,
    }
  } catch (error) {
    await close()
    throw error
  }
}
