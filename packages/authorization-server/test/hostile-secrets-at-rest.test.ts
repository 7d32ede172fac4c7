// Hostile tests for secrets at rest (issue 11, defect 10), on SQLite and PostgreSQL: after a
// full flow by a client registered with a secret, the database (SQLite file bytes, every
// PostgreSQL row) holds no client secret, registration access token, code, token or session
// id in clear, and the client still authenticates (and a wrong secret still does not).
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import * as oauth from 'oauth4webapi'
import pg from 'pg'
import { Migrator } from 'kysely/migration'
import { backends } from '../../../test/support/stores.ts'
import type { TestBackend } from '../../../test/support/stores.ts'
import { POSTGRES_TEST_URL } from '../../../test/support/postgres.ts'
import { MIGRATIONS } from '@mandate/store'
import type { Store } from '@mandate/store'
import {
  authorize,
  basic,
  insecure,
  REDIRECT_URI,
  startServer,
  tokenRequest,
} from './support/harness.ts'
import type { Harness } from './support/harness.ts'
import { serverOptions } from './support/server-options.ts'

const STATIC_CLIENT = 'hashed-static'
const STATIC_SECRET = randomBytes(32).toString('base64url')

/** Every byte the backend keeps: the SQLite files (WAL included) or every PostgreSQL row. */
async function dump(backend: TestBackend): Promise<Buffer> {
  const options = backend.options()
  if (options.kind === 'sqlite') {
    const dir = dirname(options.filename)
    return Buffer.concat(readdirSync(dir).map((name) => readFileSync(join(dir, name))))
  }
  const client = new pg.Client({ connectionString: POSTGRES_TEST_URL })
  await client.connect()
  try {
    const schema = options.schema ?? 'public'
    const tables = await client.query<{ table_name: string }>(
      'select table_name from information_schema.tables where table_schema = $1',
      [schema],
    )
    const rows: unknown[] = []
    for (const { table_name: table } of tables.rows) {
      rows.push((await client.query(`select * from "${schema}"."${table}"`)).rows)
    }
    return Buffer.from(JSON.stringify(rows))
  } finally {
    await client.end()
  }
}

/** Client authentication alone (RFC 7009: revoking an unknown token answers 200). */
async function authenticates(h: Harness, clientId: string, secret: string): Promise<number> {
  const response = await fetch(h.as.revocation_endpoint ?? '', {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basic(clientId, secret),
    },
    body: new URLSearchParams({ token: 'not-a-token' }).toString(),
  })
  await response.body?.cancel()
  return response.status
}

for (const backend of backends()) {
  const skip = await backend.skip()
  void describe(`hostile secrets at rest (${backend.name})`, { skip }, () => {
    let store: Store
    let h: Harness

    before(async () => {
      store = await backend.open({ migrate: true })
      h = await startServer(store, (issuer) => ({
        clients: [
          ...(serverOptions(issuer, store).clients ?? []),
          {
            client_id: STATIC_CLIENT,
            client_secret: `sha256$${createHash('sha256').update(STATIC_SECRET).digest('hex')}`,
            token_endpoint_auth_method: 'client_secret_basic',
            grant_types: [],
            response_types: [],
            redirect_uris: [],
          },
        ],
      }))
    })
    after(async () => {
      await h.close()
      await store.close()
      await backend.cleanup()
    })

    void it('issue 11 #10: no DCR client secret, registration token, code or token in clear after a full flow', async () => {
      const registered = await fetch(h.as.registration_endpoint ?? '', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_name: 'Confidential DCR client',
          redirect_uris: [REDIRECT_URI],
          token_endpoint_auth_method: 'client_secret_basic',
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          application_type: 'native',
        }),
      })
      assert.equal(registered.status, 201)
      const body = (await registered.json()) as Record<string, string>
      const clientId = body['client_id'] ?? ''
      const secret = body['client_secret'] ?? ''
      const rat = body['registration_access_token'] ?? ''
      const client: oauth.Client = { client_id: clientId }
      const auth = oauth.ClientSecretBasic(secret)

      const result = await authorize(h, { clientId })
      const code = result.callback.searchParams.get('code') ?? ''
      const params = oauth.validateAuthResponse(h.as, client, result.callback, result.state)
      const first = await oauth.processAuthorizationCodeResponse(
        h.as,
        client,
        await oauth.authorizationCodeGrantRequest(
          h.as,
          client,
          auth,
          params,
          REDIRECT_URI,
          result.verifier,
          insecure,
        ),
      )
      const refreshed = await oauth.processRefreshTokenResponse(
        h.as,
        client,
        await oauth.refreshTokenGrantRequest(
          h.as,
          client,
          auth,
          first.refresh_token ?? '',
          insecure,
        ),
      )
      // A wrong secret is refused (the comparison is against the stored hash).
      const wrong = await tokenRequest(
        h,
        { grant_type: 'refresh_token', refresh_token: refreshed.refresh_token ?? '' },
        { authorization: basic(clientId, `${secret.slice(0, -2)}xx`) },
      )
      assert.equal(wrong.status, 401)
      assert.equal(wrong.body['error'], 'invalid_client')
      assert.equal(await authenticates(h, clientId, secret), 200)

      const secrets = {
        client_secret: secret,
        registration_access_token: rat,
        code,
        refresh_token: first.refresh_token ?? '',
        rotated_refresh_token: refreshed.refresh_token ?? '',
        access_token: refreshed.access_token,
        session: result.agent.cookies.get('_session') ?? '',
      }
      const bytes = await dump(backend)
      assert.ok(bytes.includes(clientId), 'positive control: the scan sees the client record')
      for (const [name, value] of Object.entries(secrets)) {
        assert.ok(value.length >= 20, name)
        assert.ok(!bytes.includes(value), `${name} is in the database in clear`)
      }

      // RFC 7592 read: works with the registration token, and shows no stored hash.
      const read = await fetch(body['registration_client_uri'] ?? '', {
        headers: { authorization: `Bearer ${rat}` },
      })
      assert.equal(read.status, 200)
      const readBody = (await read.json()) as Record<string, unknown>
      assert.equal(readBody['client_id'], clientId)
      assert.ok(!('client_secret' in readBody), 'the read answer carries no client_secret')
    })

    void it('issue 11 #10: an operator-configured client may give its secret as sha256$<hex>', async () => {
      assert.equal(await authenticates(h, STATIC_CLIENT, STATIC_SECRET), 200)
      const hashed = `sha256$${createHash('sha256').update(STATIC_SECRET).digest('hex')}`
      assert.equal(await authenticates(h, STATIC_CLIENT, hashed), 401, 'the hash is no secret')
      assert.equal(await authenticates(h, STATIC_CLIENT, `${STATIC_SECRET}x`), 401)
    })
  })
}

void describe('hostile secrets at rest: upgrade', () => {
  const backend = backends()[0] as TestBackend

  void it('issue 11 #10: secrets stored in clear by an older version are hashed by the migration', async (t) => {
    const store = await backend.open({ migrate: false })
    const running: { h?: Harness } = {}
    t.after(async () => {
      await running.h?.close()
      await store.close()
      await backend.cleanup()
    })
    const migrator = new Migrator({
      db: store.db,
      provider: { getMigrations: () => Promise.resolve(MIGRATIONS) },
    })
    const before = await migrator.migrateTo('202612041100-login-failures')
    assert.equal(before.error, undefined)
    const clientId = 'dcr_legacy0123456789abcdef0123456789'
    const secret = randomBytes(32).toString('base64url')
    await store.db
      .insertInto('as_oidc_records')
      .values({
        model: 'Client',
        id_hash: createHash('sha256').update(clientId).digest('hex'),
        payload: JSON.stringify({
          client_id: clientId,
          client_secret: secret,
          client_secret_expires_at: 0,
          client_id_issued_at: Math.floor(Date.now() / 1000),
          redirect_uris: [REDIRECT_URI],
          token_endpoint_auth_method: 'client_secret_basic',
          grant_types: ['authorization_code'],
          response_types: ['code'],
          application_type: 'native',
        }),
        grant_id: null,
        uid_hash: null,
        user_code_hash: null,
        account_id: null,
        client_id: null,
        expires_at: Date.now() + 86_400_000,
        consumed_at: null,
      })
      .execute()
    assert.ok((await dump(backend)).includes(secret), 'positive control: stored in clear')
    await store.migrate()
    const h = await startServer(store)
    running.h = h
    assert.ok(!(await dump(backend)).includes(secret))
    assert.equal(await authenticates(h, clientId, secret), 200)
    assert.equal(await authenticates(h, clientId, `${secret}x`), 401)
  })
})
