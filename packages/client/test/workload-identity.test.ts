// Workload identity federation (SEP-1933, RFC 7523 JWT bearer grant) through the SDK v2 client
// with createWorkloadIdentityAuth as its auth provider: a platform-issued JWT read from a file,
// redeemed at the authorization server the resource names, never shown to one it is not for.
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'

import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import type { WorkloadAssertionSource } from '@mandate/client'
import { createWorkloadIdentityAuth } from '@mandate/client'

import type { WorkloadEnv } from './support/workload-as.ts'
import { startWorkloadEnv } from './support/workload-as.ts'

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer'

async function connect(env: WorkloadEnv, assertion: WorkloadAssertionSource, issuer?: string) {
  const authProvider = createWorkloadIdentityAuth({
    clientId: 'reporter-workload',
    assertion,
    allowLoopback: true,
    ...(issuer === undefined ? {} : { issuer }),
  })
  const client = new Client({ name: 'mandate-workload-test', version: '0' })
  await client.connect(new StreamableHTTPClientTransport(new URL(env.mcpUrl), { authProvider }))
  return client
}

async function setup(t: { after: (fn: () => Promise<void>) => void }) {
  const env = await startWorkloadEnv()
  const dir = await mkdtemp(join(tmpdir(), 'mandate-wif-'))
  t.after(async () => {
    await env.close()
    await rm(dir, { recursive: true, force: true })
  })
  return { env, file: join(dir, 'token') }
}

void describe('createWorkloadIdentityAuth', () => {
  void test('redeems the JWT from a file, and reads the file again for the next grant', async (t) => {
    const { env, file } = await setup(t)
    await writeFile(file, `${await env.mint()}\n`, { mode: 0o600 })
    const client = await connect(env, { file })
    const result = await client.callTool({ name: 'report', arguments: {} })
    assert.deepEqual(result.content, [{ type: 'text', text: 'report filed' }])
    assert.equal(env.as.tokenRequests.length, 1)
    const [first] = env.as.tokenRequests
    assert.equal(first?.grantType, JWT_BEARER)
    assert.equal(first.clientId, 'reporter-workload')
    assert.equal(first.resource, env.mcpUrl)
    assert.ok(first.jti)

    // The platform rotated the file; the server forgot its tokens: a new grant, the new JWT.
    await writeFile(file, await env.mint())
    env.as.revokeAll()
    await client.callTool({ name: 'report', arguments: {} })
    assert.equal(env.as.tokenRequests.length, 2)
    assert.ok(env.as.tokenRequests[1]?.jti)
    assert.notEqual(env.as.tokenRequests[1].jti, first.jti)
    await client.close()
  })

  void test('a resource naming another AS never receives the JWT (its aud is not that AS)', async (t) => {
    const { env } = await setup(t)
    const jwt = await env.mint()
    env.pointAtRogue()
    await assert.rejects(
      connect(env, () => jwt),
      {
        code: 'ERR_CLIENT_WORKLOAD_GRANT',
        message: /not for this authorization server/,
      },
    )
    // The client did reach the rogue AS (positive control for the count below)…
    assert.equal(env.rogue.metadataRequests, 1)
    // …and sent it nothing.
    assert.equal(env.rogue.tokenRequests.length, 0)
  })

  void test('a pinned issuer: any other AS is refused before it is contacted', async (t) => {
    const { env } = await setup(t)
    const jwt = await env.mint({ aud: env.rogue.issuer })
    env.pointAtRogue()
    // Positive control: unpinned, this JWT (minted for the rogue AS) would be redeemed there.
    const unpinned = await connect(env, () => jwt)
    assert.equal(env.rogue.tokenRequests.length, 1)
    await unpinned.close()
    env.as.revokeAll()
    env.rogue.revokeAll()
    const reached = env.rogue.metadataRequests
    await assert.rejects(
      connect(env, () => jwt, env.as.issuer),
      {
        code: 'ERR_CLIENT_WORKLOAD_GRANT',
        message: /does not use/,
      },
    )
    assert.equal(env.rogue.metadataRequests, reached)
    assert.equal(env.rogue.tokenRequests.length, 1)
  })

  void test('a refused grant is raised at once, not retried', async (t) => {
    const { env } = await setup(t)
    const expired = await env.mint({ expiresIn: '-1m' })
    await assert.rejects(
      connect(env, () => expired),
      {
        code: 'ERR_CLIENT_WORKLOAD_GRANT',
        message: /invalid_grant/,
      },
    )
    assert.equal(env.as.tokenRequests.length, 1)
    assert.equal(env.as.tokenRequests[0]?.grantType, JWT_BEARER)
  })
})
