// End to end (issue 12): every `mandate users` command that changes an account, as an operator
// runs it next to a live `mandate serve` (SQLite, another process). Those that take access away
// (disable, set-password, reset-mfa, delete) publish their revocation event: the user's token is
// refused at /mcp while another user's keeps working. Every change is in the audit trail
// (`mandate audit list`: `user.*`, `actor: cli`, never a password), and holds after a restart.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { decodeJwt } from 'jose'
import { runCli } from '../support/cli.ts'
import type { MandateProcess } from './support/mandate-e2e.ts'
import { addUsers, PASSWORD, startServe, tempDir } from './support/mandate-e2e.ts'
import type { Endpoint, Session } from './support/revocation-e2e.ts'
import {
  assertRefused,
  callMcp,
  discover,
  registerClient,
  signIn,
  tokensFor,
  untilRefused,
} from './support/revocation-e2e.ts'

const NEW_PASSWORD = 'a new password for ben 4711'
const EVE_PASSWORD = 'eve chose this passphrase 0815'
const REFUSED_SIGN_IN = /unexpected page|authorization did not complete/

/** A port that was free a moment ago: serve keeps its URL (the tokens' audience) on restart. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

interface AuditedRow {
  sub: string | null
  detail: Record<string, unknown>
}

void describe('mandate users commands next to mandate serve: revoked, audited, kept after a restart', () => {
  const dir = tempDir('mandate-e2e-users-cli-')
  const dataDir = ['--data-dir', dir.path]
  // Tokens outlive this (slow, on a loaded machine) file, so a 401 always means revoked.
  const serveArgs = [...dataDir, '--config', join(dir.path, 'mandate.json')]
  let serve: MandateProcess
  let endpoint: Endpoint
  /** Another user's session: the positive control after each change. */
  let pat: Session
  /** Tokens that must stay refused after the restart. */
  const refusedForever: { what: string; token: string }[] = []
  const subs = new Map<string, string>()

  before(async () => {
    await addUsers(dataDir, ['ann', 'ben', 'cal', 'dan', 'pat'])
    writeFileSync(
      join(dir.path, 'mandate.json'),
      JSON.stringify({ authorizationServer: { ttl: { accessTokenSeconds: 3600 } } }),
    )
    serveArgs.push('--port', String(await freePort()))
    serve = await startServe(serveArgs)
    endpoint = await discover(serve.url.origin)
    pat = await signIn(endpoint, 'pat', serve.mcpUrl)
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
  const audited = async (type: string): Promise<AuditedRow[]> =>
    (await cli(['audit', 'list', '--type', type, '--json']))
      .split('\n')
      .filter((row) => row !== '')
      .map((row) => JSON.parse(row) as AuditedRow)
  /** Exactly one event of `type`, by the CLI, about `username` (and no operator `sub`). */
  const assertAuditedOnce = async (type: string, username: string, extra: object = {}) => {
    const rows = (await audited(type)).filter((row) => row.detail['username'] === username)
    assert.equal(rows.length, 1, type)
    assert.equal(rows[0]?.sub, null)
    assert.deepEqual(rows[0].detail, {
      actor: 'cli',
      user_id: subs.get(username),
      username,
      ...extra,
    })
  }
  const signInAs = async (username: string) => {
    const session = await signIn(endpoint, username, serve.mcpUrl)
    subs.set(username, decodeJwt(session.access).sub ?? '')
    assert.equal((await callMcp(serve.mcpUrl, session.access)).status, 200)
    return session
  }
  /** The change refused `session` at /mcp; the control user is still served. */
  const assertRevoked = async (what: string, session: Session) => {
    assertRefused(await untilRefused(serve.mcpUrl, session.access))
    assert.equal((await callMcp(serve.mcpUrl, pat.access)).status, 200)
    refusedForever.push({ what, token: session.access })
  }

  it('users disable: the token is refused, sign-in refused; users enable: sign-in works, the old token stays refused', async () => {
    const ann = await signInAs('ann')
    assert.match(await cli(['users', 'disable', 'ann']), /disabled ann/)
    await assertRevoked('disabled user', ann)
    await assertAuditedOnce('user.disabled', 'ann')
    await assert.rejects(tokensFor(endpoint, ann.clientId, 'ann', serve.mcpUrl), REFUSED_SIGN_IN)
    assert.match(await cli(['users', 'enable', 'ann']), /enabled ann/)
    await assertAuditedOnce('user.enabled', 'ann')
    const again = await tokensFor(endpoint, ann.clientId, 'ann', serve.mcpUrl)
    assert.equal((await callMcp(serve.mcpUrl, again.access)).status, 200)
    assertRefused(await callMcp(serve.mcpUrl, ann.access))
  })

  it('users set-password: the token is refused, the old password no longer signs in, the new one does', async () => {
    const ben = await signInAs('ben')
    assert.match(
      await cli(['users', 'set-password', 'ben'], `${NEW_PASSWORD}\n`),
      /changed the password of ben/,
    )
    await assertRevoked('password reset', ben)
    await assertAuditedOnce('user.password_reset', 'ben')
    const clientId = await registerClient(endpoint, 'ben')
    const fresh = await tokensFor(endpoint, clientId, 'ben', serve.mcpUrl, undefined, NEW_PASSWORD)
    assert.equal((await callMcp(serve.mcpUrl, fresh.access)).status, 200)
    // Last: a refused password delays the name's next sign-in (login throttle).
    await assert.rejects(tokensFor(endpoint, clientId, 'ben', serve.mcpUrl), REFUSED_SIGN_IN)
  })

  it('users reset-mfa: the token is refused', async () => {
    const cal = await signInAs('cal')
    assert.match(await cli(['users', 'reset-mfa', 'cal']), /reset MFA of cal/)
    await assertRevoked('second factor reset', cal)
    await assertAuditedOnce('user.mfa_reset', 'cal')
  })

  it('users delete: the token is refused, the account is gone', async () => {
    const dan = await signInAs('dan')
    assert.match(await cli(['users', 'delete', 'dan']), /deleted dan/)
    await assertRevoked('deleted user', dan)
    await assertAuditedOnce('user.deleted', 'dan')
    assert.doesNotMatch(await cli(['users', 'list']), /^dan /m)
  })

  it('users add, grant-role, revoke-role: audited; the new user signs in', async () => {
    assert.match(await cli(['users', 'add', 'eve'], `${EVE_PASSWORD}\n`), /added eve/)
    const eve = await tokensFor(
      endpoint,
      await registerClient(endpoint, 'eve'),
      'eve',
      serve.mcpUrl,
      undefined,
      EVE_PASSWORD,
    )
    subs.set('eve', decodeJwt(eve.access).sub ?? '')
    assert.equal((await callMcp(serve.mcpUrl, eve.access)).status, 200)
    assert.match(await cli(['users', 'grant-role', 'eve', 'operator']), /granted role operator/)
    assert.match(await cli(['users', 'revoke-role', 'eve', 'operator']), /revoked role operator/)
    await assertAuditedOnce('user.added', 'eve')
    await assertAuditedOnce('user.role_granted', 'eve', { role: 'operator' })
    await assertAuditedOnce('user.role_revoked', 'eve', { role: 'operator' })
    // A change that fails changes nothing and records nothing.
    const unknown = await runCli(['users', 'disable', 'nobody', ...dataDir])
    assert.notEqual(unknown.code, 0)
    assert.match(unknown.stderr, /no such user/)
    assert.equal((await audited('user.disabled')).length, 1)
  })

  it('no password is in the audit trail', async () => {
    const everything = await cli(['audit', 'list', '--json', '--limit', '10000'])
    assert.match(everything, /"type":"user\.password_reset"/)
    for (const secret of [PASSWORD, NEW_PASSWORD, EVE_PASSWORD]) {
      assert.ok(!everything.includes(secret), 'a password is in the audit trail')
    }
  })

  it('after a restart: the revoked tokens stay refused, the changes held, the events are listed', async () => {
    assert.equal(refusedForever.length, 4)
    await serve.stop()
    serve = await startServe(serveArgs)
    endpoint = await discover(serve.url.origin)
    for (const { what, token } of refusedForever) {
      assert.equal((await callMcp(serve.mcpUrl, token)).status, 401, what)
    }
    assert.equal((await callMcp(serve.mcpUrl, pat.access)).status, 200)
    const clientId = await registerClient(endpoint, 'after restart')
    const ben = await tokensFor(endpoint, clientId, 'ben', serve.mcpUrl, undefined, NEW_PASSWORD)
    assert.equal((await callMcp(serve.mcpUrl, ben.access)).status, 200)
    await assert.rejects(tokensFor(endpoint, clientId, 'dan', serve.mcpUrl), REFUSED_SIGN_IN)
    // Six accounts added (five before serve started), and the seven changes above.
    assert.equal((await audited('user.')).length, 13)
    assert.match(await cli(['audit', 'verify']), /audit chain verified/)
  })
})
