// One server under test, in its own process: `mandate-sqlite`, `mandate-postgres`,
// `bare-memory` (oidc-provider with an in-memory adapter and the same token settings) or
// `bare-sqlite` (the same oidc-provider on the least adapter that keeps its records on disk).
// Pre-issues authorization codes and refresh tokens through oidc-provider's models (the
// front channel is not what is measured) and prints one JSON line: port, codes, refresh tokens.
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHash, randomBytes } from 'node:crypto'
import Provider from 'oidc-provider'
import { generateKeyPair, exportJWK } from 'jose'
import { openStore } from '@mandate/store'
import { createAuthorizationServer } from '@mandate/authorization-server'
import { keyRingWrapper } from '@mandate/vault'
import { UnboundedMemoryAdapter } from './memory-adapter.ts'
import { sqliteAdapterClass } from './sqlite-adapter.ts'

const kind = process.argv[2] ?? 'bare-memory'
const count = Number(process.argv[3] ?? '1000')
const RESOURCE = 'https://mcp.example.test/mcp'
const REDIRECT = 'http://127.0.0.1:7777/callback'
export const VERIFIER = 'bench-verifier-bench-verifier-bench-verifier-0123'
const challenge = createHash('sha256').update(VERIFIER).digest('base64url')
const client = {
  client_id: 'bench',
  application_type: 'native' as const,
  redirect_uris: [REDIRECT],
  token_endpoint_auth_method: 'none' as const,
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code' as const],
}

const http = createServer()
await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
const issuer = `http://127.0.0.1:${String((http.address() as AddressInfo).port)}`

let provider: Provider
let accountId = 'bench-user'
let handler: (req: IncomingMessage, res: ServerResponse) => void
if (kind.startsWith('bare-')) {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true })
  provider = new Provider(issuer, {
    adapter:
      kind === 'bare-sqlite'
        ? sqliteAdapterClass(join(mkdtempSync(join(tmpdir(), 'mandate-bench-')), 'bare.db'))
        : UnboundedMemoryAdapter,
    clients: [client],
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] },
    clientDefaults: { id_token_signed_response_alg: 'ES256' },
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    rotateRefreshToken: true,
    issueRefreshToken: () => true,
    features: {
      resourceIndicators: {
        enabled: true,
        useGrantedResource: () => true,
        defaultResource: () => RESOURCE,
        getResourceServerInfo: () => ({
          scope: 'tools:read',
          audience: RESOURCE,
          accessTokenTTL: 300,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
  })
  const callback = provider.callback()
  handler = (req, res) => {
    void callback(req, res)
  }
} else {
  const dir = mkdtempSync(join(tmpdir(), 'mandate-bench-'))
  const store = await openStore(
    kind === 'mandate-postgres'
      ? {
          kind: 'postgres',
          url:
            process.env['MANDATE_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test',
          schema: `bench_${String(process.pid)}`,
        }
      : { kind: 'sqlite', filename: join(dir, 'bench.db') },
    { migrate: true },
  )
  const server = await createAuthorizationServer({
    issuer,
    store,
    keys: keyRingWrapper({ active: 1, keys: new Map([[1, randomBytes(32)]]) }),
    resources: { [RESOURCE]: { scopes: ['tools:read'] } },
    clients: [client],
    refreshGraceSeconds: 0,
  })
  accountId = (await server.users.add({ username: 'bench', password: 'bench-password' })).id
  provider = server.provider()
  handler = server.handler
  process.on('SIGTERM', () => {
    void (async () => {
      if (kind === 'mandate-postgres')
        await store.db.schema
          .dropSchema(`bench_${String(process.pid)}`)
          .cascade()
          .execute()
          .catch(() => undefined)
      await store.close()
      process.exit(0)
    })()
  })
}
http.on('request', handler)

const found = await provider.Client.find('bench')
if (found === undefined) throw new Error('no client')
const codes: string[] = []
const refreshTokens: string[] = []
for (let i = 0; i < count; i++) {
  const grant = new provider.Grant({ accountId, clientId: 'bench' })
  grant.addResourceScope(RESOURCE, 'tools:read')
  const grantId = await grant.save()
  const common = {
    accountId,
    client: found,
    grantId,
    scope: 'tools:read',
    resource: RESOURCE,
    acr: 'pwd',
    amr: ['pwd'],
    authTime: Math.floor(Date.now() / 1000),
  }
  codes.push(
    await new provider.AuthorizationCode({
      ...common,
      redirectUri: REDIRECT,
      codeChallenge: challenge,
      codeChallengeMethod: 'S256',
      // @types/oidc-provider 9.12 requires `gty` here although the model does not persist it
      // (it is not in AuthorizationCode.IN_PAYLOAD); the value is ignored at runtime.
      gty: 'authorization_code',
    }).save(),
  )
  refreshTokens.push(
    await new provider.RefreshToken({ ...common, gty: 'authorization_code' }).save(),
  )
}
const stopProfile = startProfile()
process.stdout.write(`BENCH ${JSON.stringify({ issuer, codes, refreshTokens })}\n`)
process.prependListener('SIGTERM', () => {
  stopProfile()
  if (kind.startsWith('bare-')) process.exit(0)
})

/**
 * MANDATE_BENCH_CPU_PROF=<dir>: a V8 CPU profile of the requests only (the pre-issuing above
 * is left out, it would outweigh them), written to <dir>/<kind>-<pid>.cpuprofile on SIGTERM.
 */
function startProfile(): () => void {
  const dir = process.env['MANDATE_BENCH_CPU_PROF']
  if (dir === undefined) return () => undefined
  // A session on this thread answers each post synchronously: the profile is written before
  // the SIGTERM handlers below exit.
  const session = new Session()
  session.connect()
  session.post('Profiler.enable')
  session.post('Profiler.start')
  return () => {
    session.post('Profiler.stop', (error, result) => {
      if (error === null) {
        writeFileSync(
          join(dir, `${kind}-${String(process.pid)}.cpuprofile`),
          JSON.stringify(result.profile),
        )
      }
    })
  }
}
