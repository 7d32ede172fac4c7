// Issue 11 #2: master-key rotation through the real CLI, as an operator runs it. Every secret
// the authorization server keeps at rest (signing keys, TOTP secrets, installation secrets)
// is a vault envelope, so `keys rotate` → `keys rewrap` → `keys retire 1` → `serve` keeps the
// installation working: TOTP sign-in still works and an access token issued before the
// rotation still verifies against the JWKS the restarted server publishes.
import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import type { TestContext } from 'node:test'
import * as oauth from 'oauth4webapi'
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import type { JSONWebKeySet } from 'jose'
import { collect, runCli, spawnCli, waitForListening } from '../../../test/support/cli.ts'
import {
  dropSchema,
  freshSchemaName,
  POSTGRES_TEST_URL,
  postgresSkipReason,
} from '../../../test/support/postgres.ts'
import { authorize, insecure, redeem } from '../../authorization-server/test/support/harness.ts'
import type { Endpoint } from '../../authorization-server/test/support/harness.ts'
import { currentStep, totpAt } from '../../authorization-server/src/mfa/totp.ts'

const PASSWORD = 'correct horse battery staple'
const REDIRECT_URI = 'http://127.0.0.1:7777/callback'

interface Installation {
  /** Data flags for every command: the data directory, and the PostgreSQL schema if any. */
  flags: string[]
  serve(port?: string): Promise<{ url: URL; stop(): Promise<void> }>
  cli(args: string[], stdin?: string): ReturnType<typeof runCli>
}

function installation(t: TestContext, postgres: boolean): Installation {
  const dir = mkdtempSync(join(tmpdir(), 'mandate-keys-'))
  const schema = freshSchemaName()
  const flags = ['--data-dir', dir]
  if (postgres) flags.push('--database', POSTGRES_TEST_URL, '--database-schema', schema)
  const children: ChildProcess[] = []
  t.after(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
    if (postgres) await dropSchema(schema)
    rmSync(dir, { recursive: true, force: true })
  })
  return {
    flags,
    cli: (args, stdin) => runCli([...args, ...flags], stdin === undefined ? {} : { stdin }),
    serve: async (port = '0') => {
      const child = spawnCli(['serve', '--port', port, ...flags])
      children.push(child)
      const { url } = await waitForListening(child, 60_000)
      return {
        url,
        stop: async () => {
          const exited = collect(child)
          child.kill('SIGTERM')
          assert.equal((await exited).code, 0)
        },
      }
    },
  }
}

async function endpoint(url: URL): Promise<Endpoint> {
  const as = await oauth.processDiscoveryResponse(
    new URL(url.origin),
    await oauth.discoveryRequest(new URL(url.origin), { algorithm: 'oauth2', ...insecure }),
  )
  return { issuer: url.origin, as }
}

async function registerClient(h: Endpoint): Promise<string> {
  const response = await oauth.dynamicClientRegistrationRequest(
    h.as,
    {
      client_name: 'key rotation test',
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    },
    insecure,
  )
  return (await oauth.processDynamicClientRegistrationResponse(response)).client_id
}

/** Signs alice in (password, then TOTP: enrolled on first use) and redeems the code. */
async function signIn(h: Endpoint, clientId: string, totp?: () => string) {
  const result = await authorize(h, {
    clientId,
    redirectUri: REDIRECT_URI,
    resource: `${h.issuer}/mcp`,
    scope: 'openid notes:read',
    username: 'alice',
    password: PASSWORD,
    extra: { acr_values: 'mfa' },
    ...(totp === undefined ? {} : { totp }),
  })
  const tokens = await redeem(h, result, undefined, REDIRECT_URI, clientId)
  return { tokens, enrolledSecret: result.enrolledSecret }
}

async function jwks(h: Endpoint): Promise<JSONWebKeySet> {
  return (await (await fetch(h.as.jwks_uri ?? '')).json()) as JSONWebKeySet
}

const keyVersions = (flags: string[]): number[] => {
  const file = join(flags[1] ?? '', 'master.key')
  const content = JSON.parse(readFileSync(file, 'utf8')) as { keys: { version: number }[] }
  return content.keys.map((entry) => entry.version)
}

for (const backend of ['sqlite', 'postgres'] as const) {
  void describe(`mandate keys on ${backend} (issue 11 #2)`, async () => {
    const skip = backend === 'postgres' ? await postgresSkipReason() : false

    void it(
      'rotate → rewrap → retire → serve: TOTP sign-in and issued tokens survive',
      { skip },
      async (t) => {
        const install = installation(t, backend === 'postgres')
        const added = await install.cli(['users', 'add', 'alice'], `${PASSWORD}\n`)
        assert.equal(added.code, 0, added.stderr)

        // Before: sign in, enrol TOTP, get an access token.
        const first = await install.serve()
        const port = first.url.port
        const h = await endpoint(first.url)
        const clientId = await registerClient(h)
        const before = await signIn(h, clientId)
        const secret = before.enrolledSecret ?? ''
        assert.match(secret, /^[A-Z2-7]{32}$/)
        const kid = decodeProtectedHeader(before.tokens.access_token).kid ?? ''
        assert.ok(kid.length > 0)
        await first.stop()

        // The active version cannot be retired (before and after the rotation).
        const activeOne = await install.cli(['keys', 'retire', '1'])
        assert.equal(activeOne.code, 1)
        assert.match(activeOne.stderr, /^mandate: key version 1 is the active one/m)
        const rotated = await install.cli(['keys', 'rotate'])
        assert.equal(rotated.code, 0, rotated.stderr)
        assert.match(rotated.stdout, /added key version 2/)

        // Negative: before the re-wrap, version 1 still protects the AS secrets (signing key,
        // TOTP secret, cookie and DPoP-nonce secrets) and the vault's records.
        const early = await install.cli(['keys', 'retire', '1'])
        assert.equal(early.code, 1)
        const inUse =
          /^mandate: key version 1 still protects (\d+) records \((\d+) vault, (\d+) sealed values and links in progress\); run "mandate keys rewrap" first, and let links in progress finish$/m.exec(
            early.stderr,
          )
        assert.ok(inUse, early.stderr)
        assert.ok(Number(inUse[3]) >= 4, `authorization-server records: ${inUse[3] ?? ''}`)
        assert.equal(Number(inUse[1]), Number(inUse[2]) + Number(inUse[3]))
        assert.deepEqual(keyVersions(install.flags), [1, 2])

        const rewrapped = await install.cli(['keys', 'rewrap'])
        assert.equal(rewrapped.code, 0, rewrapped.stderr)
        // The report is the last line (the audit event is logged before it).
        const last = rewrapped.stdout.trim().split('\n').at(-1) ?? ''
        const report = JSON.parse(last) as { keyVersion: number; rewrapped: number }
        assert.equal(report.keyVersion, 2)
        assert.equal(report.rewrapped, Number(inUse[1]))

        const activeTwo = await install.cli(['keys', 'retire', '2'])
        assert.equal(activeTwo.code, 1)
        assert.match(activeTwo.stderr, /^mandate: key version 2 is the active one/m)
        // Positive: after the re-wrap nothing uses version 1, and it goes.
        const retired = await install.cli(['keys', 'retire', '1'])
        assert.equal(retired.code, 0, retired.stderr)
        assert.match(retired.stdout, /retired key version 1/)
        assert.deepEqual(keyVersions(install.flags), [2])

        // After: the server starts with only version 2, on the same origin.
        const second = await install.serve(port)
        const again = await endpoint(second.url)
        assert.equal(again.issuer, h.issuer)
        // The token issued before the rotation: its key is still published and it verifies.
        const published = await jwks(again)
        assert.ok(published.keys.some((key) => key.kid === kid))
        const verified = await jwtVerify(before.tokens.access_token, createLocalJWKSet(published), {
          issuer: h.issuer,
          audience: `${h.issuer}/mcp`,
        })
        assert.equal(verified.protectedHeader.kid, kid)
        // The TOTP secret survived: alice signs in with her authenticator's next code.
        const after = await signIn(again, clientId, () => totpAt(secret, currentStep() + 1))
        assert.equal(after.enrolledSecret, undefined)
        assert.equal(decodeProtectedHeader(after.tokens.access_token).kid, kid)
        await second.stop()
      },
    )
  })
}
