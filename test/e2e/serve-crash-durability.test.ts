// End to end: `mandate serve` on SQLite killed with SIGKILL right after it answered refreshes.
// The adapter group-commits its writes on SQLite (packages/authorization-server/src/adapter/
// group-commit.ts) and answers only after the commit, so nothing it answered may be lost by a
// crash: every refresh token returned in a 200 works after the restart, exactly once, and every
// code and refresh token redeemed before the kill stays refused (single use survived the crash).
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  authorize,
  redeem,
  tokenRequest,
} from '../../packages/authorization-server/test/support/harness.ts'
import type { MandateProcess } from './support/mandate-e2e.ts'
import { addUsers, PASSWORD, startServe, tempDir } from './support/mandate-e2e.ts'
import type { Endpoint } from './support/revocation-e2e.ts'
import { discover, REDIRECT, registerClient } from './support/revocation-e2e.ts'
import { freePort } from './support/standalone-gateway.ts'

const SESSIONS = 4
const ROUNDS = 3

/** One sign-in: its client, its (redeemed) code and the refresh tokens of its rotation chain. */
interface Chain {
  clientId: string
  code: { code: string; verifier: string }
  /** Every refresh token the server answered with, oldest first (the last one is unused). */
  refresh: string[]
}

/**
 * Signs `username` in with a public client of its own (`name`: a client, hence a grant, per
 * chain, so that revoking one chain leaves the others); keeps the code it redeemed.
 */
async function signIn(
  endpoint: Endpoint,
  username: string,
  name: string,
  resource: string,
): Promise<Chain> {
  const clientId = await registerClient(endpoint, name)
  const result = await authorize(endpoint, {
    clientId,
    redirectUri: REDIRECT,
    resource,
    scope: 'notes:read',
    username,
    password: PASSWORD,
  })
  const tokens = await redeem(endpoint, result, undefined, REDIRECT, clientId)
  assert.ok(tokens.refresh_token !== undefined, 'a refresh token was issued')
  const code = result.callback.searchParams.get('code') ?? ''
  return { clientId, code: { code, verifier: result.verifier }, refresh: [tokens.refresh_token] }
}

/** A refresh: the status, and the next refresh token when it succeeded. */
async function refresh(
  endpoint: Endpoint,
  chain: Chain,
  token: string,
): Promise<{ status: number; next: string | undefined; error: unknown }> {
  const { status, body } = await tokenRequest(endpoint, {
    grant_type: 'refresh_token',
    refresh_token: token,
    client_id: chain.clientId,
  })
  const next = typeof body['refresh_token'] === 'string' ? body['refresh_token'] : undefined
  return { status, next, error: body['error'] }
}

/** The code redeemed once more. */
async function redeemAgain(endpoint: Endpoint, chain: Chain): Promise<number> {
  const { status } = await tokenRequest(endpoint, {
    grant_type: 'authorization_code',
    code: chain.code.code,
    code_verifier: chain.code.verifier,
    redirect_uri: REDIRECT,
    client_id: chain.clientId,
  })
  return status
}

/** SIGKILL: no shutdown hook runs, nothing is flushed on the way out. */
async function kill(serve: MandateProcess): Promise<void> {
  const exited = new Promise((resolve) => serve.child.once('exit', resolve))
  serve.child.kill('SIGKILL')
  await exited
}

void describe('mandate serve (SQLite) killed right after answering refreshes', () => {
  const dir = tempDir('mandate-e2e-crash-')
  const dataDir = ['--data-dir', dir.path]
  const serveArgs = [...dataDir, '--config', join(dir.path, 'mandate.json')]
  let serve: MandateProcess | undefined
  let endpoint: Endpoint

  before(async () => {
    await addUsers(dataDir, ['ann'])
    // No refresh grace: any second use of a refresh token is refused (and revokes the grant).
    writeFileSync(
      join(dir.path, 'mandate.json'),
      JSON.stringify({ authorizationServer: { refreshGraceSeconds: 0 } }),
    )
    // The same port after the restart: the issuer and the tokens' audience stay the same.
    serveArgs.push('--port', String(await freePort()))
    serve = await startServe(serveArgs)
    endpoint = await discover(serve.url.origin)
  })
  after(async () => {
    await serve?.stop()
    dir.remove()
  })

  /** Refreshes every chain at once, `ROUNDS` times; each answer must be a 200. */
  async function parallelRefreshes(chains: Chain[]): Promise<void> {
    for (let round = 0; round < ROUNDS; round += 1) {
      const answers = await Promise.all(
        chains.map((chain) => refresh(endpoint, chain, chain.refresh.at(-1) ?? '')),
      )
      answers.forEach((answer, i) => {
        assert.equal(answer.status, 200, `round ${String(round)} refresh ${String(i)}`)
        assert.ok(answer.next !== undefined, 'rotated')
        chains[i]?.refresh.push(answer.next)
      })
    }
  }

  void it('every refresh token answered with 200 works once after the restart; redeemed ones stay refused', async () => {
    assert.ok(serve !== undefined)
    const chains: Chain[] = []
    for (let i = 0; i < SESSIONS; i += 1) {
      chains.push(await signIn(endpoint, 'ann', `ann ${String(i)}`, serve.mcpUrl))
    }
    assert.equal(new Set(chains.map((chain) => chain.clientId)).size, SESSIONS)
    await parallelRefreshes(chains)
    // Killed as soon as the last answers arrived: the writes they answered for must be on disk.
    await kill(serve)
    serve = undefined
    serve = await startServe(serveArgs)

    // Half the chains: the last refresh token works exactly once.
    const [first, second, third, fourth] = chains
    assert.ok(first && second && third && fourth)
    for (const chain of [first, second]) {
      const latest = chain.refresh.at(-1) ?? ''
      const used = await refresh(endpoint, chain, latest)
      assert.equal(used.status, 200, 'the refresh token answered before the crash works')
      const again = await refresh(endpoint, chain, latest)
      assert.equal(again.status, 400, 'and only once')
      assert.equal(again.error, 'invalid_grant')
    }
    // The other half: the token redeemed by the last answer before the kill, and the code,
    // stay refused (each first use of its chain after the restart, so nothing else refused it).
    const redeemedLast = await refresh(endpoint, third, third.refresh.at(-2) ?? '')
    assert.equal(redeemedLast.status, 400, 'a refresh token redeemed just before the crash')
    assert.equal(redeemedLast.error, 'invalid_grant')
    assert.equal(await redeemAgain(endpoint, fourth), 400, 'a code redeemed before the crash')
  })
})
