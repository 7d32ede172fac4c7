// End to end (issue 12): the operator's revocation paths through the CLI, as an operator runs
// them next to a live `mandate serve` (SQLite, another process): `mandate clients disable|
// delete`, `mandate keys withdraw-signing-key`, `mandate users delete`, and browser sessions
// ended by `users set-password|reset-mfa|disable`. Each time the next POST /mcp with the
// affected token is refused, and still after a restart; other users and clients keep working.
// Client and key changes are in the audit trail (`mandate audit list`), attributed to the CLI.
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { decodeProtectedHeader } from 'jose'
import * as oauth from 'oauth4webapi'
import { runCli } from '../support/cli.ts'
import { BrowserAgent } from '../../packages/authorization-server/test/support/browser-agent.ts'
import { insecure } from '../../packages/authorization-server/test/support/harness.ts'
import type { MandateProcess } from './support/mandate-e2e.ts'
import { addUsers, startServe, tempDir } from './support/mandate-e2e.ts'
import type { Endpoint, Session } from './support/revocation-e2e.ts'
import {
  assertRefused,
  callMcp,
  discover,
  registerClient,
  signIn,
  tokensFor,
  untilAudited,
  untilRefused,
} from './support/revocation-e2e.ts'

const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'gina', 'hank']

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

void describe('operator revocation paths through the CLI reach /mcp, and survive a restart', () => {
  const dir = tempDir('mandate-e2e-operator-revocation-')
  const dataDir = ['--data-dir', dir.path]
  let serveArgs: string[]
  let serve: MandateProcess
  let endpoint: Endpoint
  /** Tokens that must stay refused after the restart (checked by the last test). */
  const refusedForever: { what: string; token: string }[] = []
  let bob: Session

  before(async () => {
    await addUsers(dataDir, USERS)
    serveArgs = [...dataDir, '--port', String(await freePort())]
    serve = await startServe(serveArgs)
    endpoint = await discover(serve.url.origin)
    bob = await signIn(endpoint, 'bob', serve.mcpUrl)
  })
  after(async () => {
    await serve.stop()
    dir.remove()
  })

  const cli = async (args: string[], stdin?: string) => {
    const result = await runCli([...args, ...dataDir], stdin === undefined ? {} : { stdin })
    assert.equal(result.code, 0, result.stderr)
    return result.stdout
  }
  /** The `detail` of the audit events of `type` (`mandate audit list --json`), oldest first. */
  const audited = async (type: string) =>
    (await cli(['audit', 'list', '--type', type, '--json']))
      .split('\n')
      .filter((row) => row !== '')
      .map((row) => JSON.parse(row) as { client_id: string | null; detail: object })
  const refresh = (session: Session) =>
    oauth.refreshTokenGrantRequest(
      endpoint.as,
      { client_id: session.clientId },
      oauth.None(),
      session.refresh,
      insecure,
    )

  it('mandate clients list|disable: the client’s tokens are refused, it can no longer refresh', async () => {
    const alice = await signIn(endpoint, 'alice', serve.mcpUrl)
    assert.equal((await callMcp(serve.mcpUrl, alice.access)).status, 200)
    assert.match(await cli(['clients', 'list']), new RegExp(`${alice.clientId}\\s+active`))
    assert.match(await cli(['clients', 'disable', alice.clientId]), /disabled client/)
    assertRefused(await untilRefused(serve.mcpUrl, alice.access))
    await untilAudited(serve, 'invalid_token: token revoked', 1)
    assert.equal((await refresh(alice)).status, 401)
    assert.match(await cli(['clients', 'list']), new RegExp(`${alice.clientId}\\s+disabled`))
    // Audited: what was disabled, by whom (the CLI), what it covered.
    const disabled = await audited('client.disabled')
    assert.equal(disabled.length, 1)
    assert.equal(disabled[0]?.client_id, alice.clientId)
    assert.deepEqual(disabled[0].detail, { actor: 'cli', grants_ended: 1 })
    assert.equal((await callMcp(serve.mcpUrl, bob.access)).status, 200)
    refusedForever.push({ what: 'disabled client', token: alice.access })
  })

  it('mandate clients delete: tokens refused, the registration is gone; unknown ids exit 1', async () => {
    const carol = await signIn(endpoint, 'carol', serve.mcpUrl)
    assert.equal((await callMcp(serve.mcpUrl, carol.access)).status, 200)
    assert.match(await cli(['clients', 'delete', carol.clientId]), /deleted client/)
    assertRefused(await untilRefused(serve.mcpUrl, carol.access))
    await untilAudited(serve, 'invalid_token: token revoked', 2)
    assert.doesNotMatch(await cli(['clients', 'list']), new RegExp(carol.clientId))
    const deleted = await audited('client.deleted')
    assert.equal(deleted.length, 1)
    assert.equal(deleted[0]?.client_id, carol.clientId)
    assert.deepEqual(deleted[0].detail, { actor: 'cli', grants_ended: 1 })
    const again = await runCli(['clients', 'delete', carol.clientId, ...dataDir])
    assert.equal(again.code, 1)
    assert.match(again.stderr, /no such client/)
    assert.equal((await callMcp(serve.mcpUrl, bob.access)).status, 200)
    refusedForever.push({ what: 'deleted client', token: carol.access })
  })

  it('mandate users delete: every token of the user refused, the account is gone', async () => {
    const dave = await signIn(endpoint, 'dave', serve.mcpUrl)
    assert.equal((await callMcp(serve.mcpUrl, dave.access)).status, 200)
    assert.match(await cli(['users', 'delete', 'dave']), /deleted dave/)
    assertRefused(await untilRefused(serve.mcpUrl, dave.access))
    await untilAudited(serve, 'invalid_token: token revoked', 3)
    assert.equal((await refresh(dave)).status, 400)
    assert.doesNotMatch(await cli(['users', 'list']), /^dave /m)
    assert.equal((await callMcp(serve.mcpUrl, bob.access)).status, 200)
    refusedForever.push({ what: 'deleted user', token: dave.access })
  })

  it('set-password, reset-mfa and disable end the user’s browser sessions (sign-in needed again)', async () => {
    for (const [name, args, stdin] of [
      ['erin', ['users', 'set-password', 'erin'], 'a new password for erin 123\n'],
      ['frank', ['users', 'reset-mfa', 'frank'], undefined],
      ['gina', ['users', 'disable', 'gina'], undefined],
    ] as const) {
      const agent = new BrowserAgent()
      const clientId = await registerClient(endpoint, name)
      await tokensFor(endpoint, clientId, name, serve.mcpUrl, agent)
      // Positive control: the browser session signs in again without a password.
      await tokensFor(endpoint, clientId, name, serve.mcpUrl, agent, 'not the password')
      await cli([...args], stdin)
      // The session is gone: the sign-in page asks again, and a wrong password fails.
      await assert.rejects(
        tokensFor(endpoint, clientId, name, serve.mcpUrl, agent, 'not the password'),
        /unexpected page|authorization did not complete/,
        name,
      )
    }
  })

  it('mandate keys withdraw-signing-key: tokens signed with the key refused, new sign-ins use a new key', async () => {
    const hank = await signIn(endpoint, 'hank', serve.mcpUrl)
    assert.equal((await callMcp(serve.mcpUrl, hank.access)).status, 200)
    const { kid } = decodeProtectedHeader(hank.access)
    assert.ok(kid)
    assert.match(await cli(['keys', 'withdraw-signing-key', kid]), /withdrew signing key/)
    const [withdrawn, ...more] = await audited('signing_key.withdrawn')
    assert.equal(more.length, 0)
    assert.deepEqual(withdrawn?.detail, { actor: 'cli', kid, replaced: true })
    assertRefused(await untilRefused(serve.mcpUrl, hank.access))
    assertRefused(await untilRefused(serve.mcpUrl, bob.access))
    // The running server reloads its key set (it watches the key table on SQLite): the
    // withdrawn key leaves the JWKS. Positive control: new sign-ins get a new key that works.
    const published = async () =>
      (
        (await (await fetch(endpoint.as.jwks_uri ?? '')).json()) as { keys: { kid: string }[] }
      ).keys.map((key) => key.kid)
    const deadline = Date.now() + 120_000 // guards a hang only
    while ((await published()).includes(kid)) {
      assert.ok(Date.now() < deadline, 'the withdrawn key is still published')
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const fresh = await signIn(endpoint, 'hank', serve.mcpUrl)
    assert.notEqual(decodeProtectedHeader(fresh.access).kid, kid)
    assert.equal((await callMcp(serve.mcpUrl, fresh.access)).status, 200)
    const unknown = await runCli(['keys', 'withdraw-signing-key', kid, ...dataDir])
    assert.equal(unknown.code, 1)
    assert.match(unknown.stderr, /no such signing key/)
    refusedForever.push({ what: 'withdrawn key', token: hank.access })
    bob = await signIn(endpoint, 'bob', serve.mcpUrl)
  })

  it('after a restart every token above is still refused; a fresh token works', async () => {
    assert.equal(refusedForever.length, 4)
    await serve.stop()
    serve = await startServe(serveArgs)
    for (const { what, token } of refusedForever) {
      const answer = await callMcp(serve.mcpUrl, token)
      assert.equal(answer.status, 401, what)
      assert.match(answer.challenge, /error="invalid_token"/, what)
    }
    assert.equal((await callMcp(serve.mcpUrl, bob.access)).status, 200)
  })
})
