// End to end (issue 12): `mandate gateway` run alone, as its own process sharing no store with
// `mandate serve` (the authorization server), follows the AS's signed HTTP revocation feed as
// its confidential client. A revocation at the AS (RFC 7009, `mandate users disable`) ends the
// caller's upstream process at the gateway (it holds a token exchanged for the caller's) and the
// caller is refused there; another user keeps working. With the AS stopped beyond
// `gateway.revocation.staleAfterMs` every token is refused, cached ones included; with the AS
// and the gateway restarted the other user works again and the revoked token stays refused.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { runCli } from '../support/cli.ts'
import { ENV_TOKEN_SERVER } from '../../packages/gateway/test/support/servers.ts'
import type { MandateProcess } from './support/mandate-e2e.ts'
import { addUsers, startServe, tempDir } from './support/mandate-e2e.ts'
import type { Endpoint, Session } from './support/revocation-e2e.ts'
import type { GatewayProcess } from './support/standalone-gateway.ts'
import {
  freePort,
  GATEWAY_CLIENT,
  standaloneGatewayAtAs,
  startGateway,
} from './support/standalone-gateway.ts'
import {
  assertRefused,
  callMcp,
  discover,
  revokeAccess,
  signIn,
  untilAccepted,
  untilRefused,
} from './support/revocation-e2e.ts'

const text = (result: unknown): string =>
  ((result as { content?: { text?: string }[] }).content ?? []).map((p) => p.text ?? '').join('')

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Waits until the process is gone (the event); the timeout only guards a hang. */
async function untilGone(pid: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (alive(pid)) {
    assert.ok(Date.now() < deadline, 'the revoked user’s upstream process is still running')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Waits until the gateway printed `pattern` (an event); the timeout only guards a hang. */
async function untilPrinted(
  gateway: GatewayProcess,
  pattern: RegExp,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!pattern.test(gateway.output())) {
    assert.ok(Date.now() < deadline, `the gateway did not print ${String(pattern)}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

void describe('mandate gateway alone follows the authorization server’s revocation feed', () => {
  const dir = tempDir('mandate-e2e-gateway-feed-')
  const dataDir = ['--data-dir', dir.path]
  let serveArgs: string[]
  let serve: MandateProcess
  let gateway: GatewayProcess
  let gatewayConfig: string
  let endpoint: Endpoint
  let gatewayUrl: string
  const opened: Client[] = []

  before(async () => {
    await addUsers(dataDir, ['alice', 'bob', 'carol'])
    const [servePort, gatewayPort] = [await freePort(), await freePort()]
    const origin = `http://127.0.0.1:${String(servePort)}`
    gatewayUrl = `http://127.0.0.1:${String(gatewayPort)}/gateway/mcp`
    const secret = randomBytes(32).toString('base64url')
    const secretFile = join(dir.path, 'gateway-secret')
    writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 })
    const serveConfig = join(dir.path, 'mandate.json')
    writeFileSync(
      serveConfig,
      JSON.stringify({
        authorizationServer: {
          // The gateway's own client reads the feed for its resource (and exchanges tokens).
          ...standaloneGatewayAtAs(gatewayUrl, secret, ['gateway', 'notes:read']),
          tokenExchange: {
            policies: [
              {
                clientId: GATEWAY_CLIENT,
                subjectAudiences: [gatewayUrl],
                audiences: [`${origin}/mcp`],
              },
            ],
          },
        },
      }),
    )
    gatewayConfig = join(dir.path, 'gateway.json')
    writeFileSync(
      gatewayConfig,
      JSON.stringify({
        server: { port: gatewayPort },
        gateway: {
          issuer: origin,
          clientSecretFile: secretFile,
          revocation: { waitSeconds: 1, staleAfterMs: 3_000 },
          upstreams: [
            {
              name: 'envtok',
              transport: { type: 'stdio', command: process.execPath, args: [ENV_TOKEN_SERVER] },
              credential: {
                kind: 'exchange',
                resource: `${origin}/mcp`,
                scopes: ['notes:read'],
                env: 'UPSTREAM_TOKEN',
              },
              policy: [{ tools: ['pid'], action: 'allow' }],
            },
          ],
        },
      }),
    )
    serveArgs = [...dataDir, '--config', serveConfig, '--port', String(servePort)]
    serve = await startServe(serveArgs)
    endpoint = await discover(serve.url.origin)
    gateway = await startGateway(gatewayConfig)
  })
  after(async () => {
    for (const client of opened.reverse()) await client.close().catch(() => undefined)
    await gateway.stop()
    await serve.stop()
    dir.remove()
  })

  /** A host for `username`: a DCR client signed in for the gateway, and the SDK v2 client. */
  const host = async (
    username: string,
    given?: Session,
  ): Promise<{ session: Session; client: Client }> => {
    const session = given ?? (await signIn(endpoint, username, gatewayUrl))
    // The gateway accepts tokens once its first feed page verified (fail closed at start).
    assert.equal((await untilAccepted(gatewayUrl, session.access)).status, 200)
    const client = new Client({ name: `gateway-feed-${username}`, version: '0' })
    const bearer: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers)
      headers.set('authorization', `Bearer ${session.access}`)
      return fetch(input, { ...init, headers })
    }
    await client.connect(new StreamableHTTPClientTransport(new URL(gatewayUrl), { fetch: bearer }))
    opened.push(client)
    return { session, client }
  }
  const pid = async (client: Client): Promise<number> =>
    Number(text(await client.callTool({ name: 'envtok__pid', arguments: {} })))
  let bob: { session: Session; client: Client }
  let aliceAccess: string

  it('without the client secret it does not start (the feed is on unless turned off); a wait not below the bound is refused', async () => {
    const config = join(dir.path, 'gateway-misconfigured.json')
    const write = (gateway: Record<string, unknown>): void => {
      writeFileSync(
        config,
        JSON.stringify({ gateway: { issuer: 'http://127.0.0.1:9', ...gateway } }),
      )
    }
    write({})
    const noSecret = await runCli(['gateway', '--config', config])
    assert.equal(noSecret.code, 1)
    assert.match(noSecret.stderr, /gateway\.clientSecretFile.*revocation feed/)
    write({ revocation: { waitSeconds: 5, staleAfterMs: 5_000 } })
    const slowWait = await runCli(['gateway', '--config', config])
    assert.equal(slowWait.code, 1)
    assert.match(slowWait.stderr, /waitSeconds must be below staleAfterMs/)
  })

  it('RFC 7009 at the AS: the standalone gateway ends the caller’s upstream process and refuses it; bob keeps working', async () => {
    const alice = await host('alice')
    bob = await host('bob')
    // Positive controls: both reach the upstream, one process each (exchanged tokens).
    const alicePid = await pid(alice.client)
    const bobPid = await pid(bob.client)
    assert.notEqual(alicePid, bobPid)
    assert.ok(alive(alicePid))

    await revokeAccess(endpoint, alice.session)
    aliceAccess = alice.session.access
    await untilGone(alicePid)
    assertRefused(await untilRefused(gatewayUrl, alice.session.access))
    await assert.rejects(alice.client.callTool({ name: 'envtok__pid', arguments: {} }), {
      name: 'SdkHttpError',
      status: 401,
    })
    assert.equal(await pid(bob.client), bobPid)
  })

  it('mandate users disable (another process at the AS): carol’s process ends, she is refused; bob keeps working', async () => {
    const carol = await host('carol')
    const carolPid = await pid(carol.client)
    const bobPid = await pid(bob.client)
    const disabled = await runCli(['users', 'disable', 'carol', ...dataDir])
    assert.equal(disabled.code, 0, disabled.stderr)
    await untilGone(carolPid)
    assertRefused(await untilRefused(gatewayUrl, carol.session.access))
    await assert.rejects(carol.client.callTool({ name: 'envtok__pid', arguments: {} }), {
      name: 'SdkHttpError',
      status: 401,
    })
    assert.equal(await pid(bob.client), bobPid)
  })

  it(
    'the AS gone beyond staleAfterMs: every token is refused; AS and gateway restarted, bob works and alice stays refused',
    { timeout: 600_000 },
    async () => {
      assert.equal((await callMcp(gatewayUrl, bob.session.access)).status, 200)
      await serve.stop()
      // bob's token was verified (and cached) before: refused once the feed is stale.
      assertRefused(await untilRefused(gatewayUrl, bob.session.access))
      await untilPrinted(gateway, /revocation feed read failed/)

      serve = await startServe(serveArgs)
      await gateway.stop()
      // Negative control: a gateway whose secret the AS does not accept reads no page (401
      // invalid_client) and so accepts no token, not even bob's.
      const wrong = join(dir.path, 'gateway-wrong.json')
      const settings = JSON.parse(readFileSync(gatewayConfig, 'utf8')) as {
        gateway: Record<string, unknown>
      }
      writeFileSync(join(dir.path, 'wrong-secret'), 'not-the-secret\n', { mode: 0o600 })
      settings.gateway['clientSecretFile'] = join(dir.path, 'wrong-secret')
      writeFileSync(wrong, JSON.stringify(settings))
      gateway = await startGateway(wrong)
      await untilPrinted(gateway, /revocation feed answered 401/)
      assertRefused(await callMcp(gatewayUrl, bob.session.access))
      await gateway.stop()

      gateway = await startGateway(gatewayConfig)
      const again = await host('bob', bob.session)
      assert.ok((await pid(again.client)) > 0)
      // The restarted gateway read the log from the start: alice's revocation still holds.
      assertRefused(await callMcp(gatewayUrl, aliceAccess))
    },
  )
})
