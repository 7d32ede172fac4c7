// Secrets other components keep at rest (the authorization server's signing keys, TOTP secrets
// and installation secrets) go through the vault's envelope with `sealValue`: bound to their
// row, moved by the re-wrap, counted by retire. Values in the authorization server's former
// `sealed.v1` format stay readable and are upgraded by the re-wrap.
import assert from 'node:assert/strict'
import { createCipheriv, randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { sql } from 'kysely'
import { getMeta } from '@mandate/store'
import type { SealedValuePurpose, Store } from '@mandate/store'
import {
  createKeyFile,
  keyFileProvider,
  keyRingWrapper,
  openValue,
  readKeyFile,
  retireKeyVersion,
  rotateKeyFile,
  sealValue,
} from '@mandate/vault'
import type { SealedValueContext } from '@mandate/vault'
import { backends } from '../../../test/support/stores.ts'
import { closeAll, openTestVault, tempDir } from './support/vault.ts'

const keys = keyRingWrapper({ active: 1, keys: new Map([[1, randomBytes(32)]]) })
const totp: SealedValueContext = { purpose: 'as_totp_secret', recordId: 'user-1' }

void describe('sealValue / openValue', () => {
  const others: [string, SealedValueContext][] = [
    ['another row', { ...totp, recordId: 'user-2' }],
    ['another purpose', { ...totp, purpose: 'installation_secret' }],
  ]
  for (const [name, other] of others) {
    void it(`catalogue #195: a sealed value moved to ${name} fails to open`, async () => {
      const sealed = await sealValue(keys, totp, 'JBSWY3DPEHPK3PXP')
      assert.match(sealed, /^mv1\.1\./)
      assert.equal(await openValue(keys, totp, sealed), 'JBSWY3DPEHPK3PXP')
      await assert.rejects(openValue(keys, other, sealed), { code: 'ERR_VAULT_DECRYPT_FAILED' })
    })
  }

  void it('has no clear-text mode: a value an older version stored in clear is refused', async () => {
    const plain = `plain.${Buffer.from('JBSWY3DPEHPK3PXP').toString('base64url')}`
    await assert.rejects(openValue(keys, totp, plain), {
      code: 'ERR_VAULT_FORMAT',
      message: /stored in clear.*mandate keys rewrap/,
    })
    await assert.rejects(openValue(keys, totp, 'sealed.v1.1.only-two'), {
      code: 'ERR_VAULT_FORMAT',
    })
  })
})

/** The authorization server's former format, as it wrote it (for upgrade tests). */
function legacySeal(key: Uint8Array, version: number, plaintext: string, aad: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(Buffer.from(aad))
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  const parts = [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url'))
  return `sealed.v1.${String(version)}.${parts.join('.')}`
}

async function insertLegacyRows(store: Store, key: Uint8Array): Promise<void> {
  const now = Date.now()
  await sql`insert into as_users (id, username, created_at, totp_secret)
    values ('user-1', 'alice', ${now}, ${legacySeal(key, 1, 'TOTPSECRET', 'mandate:totp:user-1')})`.execute(
    store.db,
  )
  const jwk = legacySeal(key, 1, '{"kty":"EC"}', 'mandate:as-signing-key:kid-1')
  await sql`insert into as_signing_keys (kid, alg, private_jwk, created_at, activates_at)
    values ('kid-1', 'ES256', ${jwk}, ${now}, ${now})`.execute(store.db)
  const cookie = legacySeal(key, 1, 'cookie-secret', 'mandate:as.cookie-secret')
  const plain = `plain.${Buffer.from('nonce-secret').toString('base64url')}`
  await store.db
    .insertInto('mandate_meta')
    .values([
      { name: 'as.cookie-secret', value: cookie },
      { name: 'as.dpop-nonce-secret', value: plain },
    ])
    .execute()
}

const expected: [SealedValuePurpose, string, string][] = [
  ['as_totp_secret', 'user-1', 'TOTPSECRET'],
  ['as_signing_key', 'kid-1', '{"kty":"EC"}'],
  ['installation_secret', 'as.cookie-secret', 'cookie-secret'],
  ['installation_secret', 'as.dpop-nonce-secret', 'nonce-secret'],
  ['installation_secret', 'fresh', 'sealed-by-this-version'],
]

async function storedValue(store: Store, purpose: SealedValuePurpose, id: string) {
  if (purpose === 'installation_secret') return (await getMeta(store, id)) ?? ''
  const { rows } =
    purpose === 'as_totp_secret'
      ? await sql<{ v: string }>`select totp_secret as v from as_users where id = ${id}`.execute(
          store.db,
        )
      : await sql<{
          v: string
        }>`select private_jwk as v from as_signing_keys where kid = ${id}`.execute(store.db)
  return rows[0]?.v ?? ''
}

for (const backend of backends()) {
  void describe(`sealed values under key rotation on ${backend.name}`, async () => {
    const skip = await backend.skip()

    void it(
      'catalogue #196: old-format values are read, re-wrapped, and only then may their key retire',
      { skip },
      async (t) => {
        const dir = tempDir()
        const keyFile = `${dir.path}/master.key`
        createKeyFile(keyFile)
        const store = await backend.open({ migrate: true })
        const fixture = await openTestVault(store, keyFile, undefined, { backgroundRewrap: false })
        t.after(() =>
          closeAll(
            () => fixture.close(),
            () => store.close(),
            () => backend.cleanup(),
            () => {
              dir.remove()
            },
          ),
        )
        const v1 = readKeyFile(keyFile).keys.get(1) ?? new Uint8Array()
        await insertLegacyRows(store, v1)
        const fresh = await sealValue(
          fixture.vault.keys,
          { purpose: 'installation_secret', recordId: 'fresh' },
          'sealed-by-this-version',
        )
        await store.db.insertInto('mandate_meta').values({ name: 'fresh', value: fresh }).execute()
        // The former format is readable as it is (an upgrade needs no downtime).
        assert.equal(
          await openValue(
            fixture.vault.keys,
            totp,
            await storedValue(store, 'as_totp_secret', 'user-1'),
          ),
          'TOTPSECRET',
        )

        assert.equal(await rotateKeyFile(store, keyFile), 2)
        await fixture.vault.reloadKeys()
        // Negative: three sealed.v1 values and one envelope still use version 1.
        await assert.rejects(retireKeyVersion(store, keyFile, 1), {
          code: 'ERR_VAULT_KEY_IN_USE',
          message:
            /still protects 4 records \(0 vault, 4 sealed values and links in progress\); run "mandate keys rewrap" first/,
        })
        const report = await fixture.vault.rewrapRecords({ batchSize: 2 })
        assert.deepEqual(report, { keyVersion: 2, rewrapped: 5, skipped: 0 })
        // Positive: nothing uses version 1 any more.
        await retireKeyVersion(store, keyFile, 1)
        assert.deepEqual([...readKeyFile(keyFile).keys.keys()], [2])

        // A fresh wrapper over the rotated key file (version 1 is gone) opens every value.
        const reopened = keyRingWrapper(await keyFileProvider(keyFile).load())
        for (const [purpose, id, plaintext] of expected) {
          const stored = await storedValue(store, purpose, id)
          assert.match(stored, /^mv1\.2\./, `${purpose} ${id}`)
          assert.equal(await openValue(reopened, { purpose, recordId: id }, stored), plaintext)
        }
        // The key check values in mandate_meta are not sealed values and stay as they are.
        assert.equal((await fixture.vault.rewrapRecords()).rewrapped, 0)
      },
    )

    void it(
      'catalogue #196: a key version still sealing an account link in progress is not retired',
      { skip },
      async (t) => {
        const dir = tempDir()
        const keyFile = `${dir.path}/master.key`
        createKeyFile(keyFile)
        const store = await backend.open({ migrate: true })
        t.after(() =>
          closeAll(
            () => store.close(),
            () => backend.cleanup(),
            () => {
              dir.remove()
            },
          ),
        )
        const v1 = keyRingWrapper(await keyFileProvider(keyFile).load())
        const sealed = await sealValue(v1, totp, 'code-verifier')
        const link = (id: string, expiresAt: number) => ({
          id_hash: id,
          sub: 'alice',
          elicitation_id: id,
          provider: 'github',
          scopes: '[]',
          status: 'started',
          state: `state-${id}`,
          transaction: JSON.stringify({
            provider: 'github',
            state: `state-${id}`,
            expires_at: expiresAt,
            sealed,
          }),
          created_at: Date.now(),
          expires_at: expiresAt,
          client_id: null,
          completed_at: null,
        })
        await store.db
          .insertInto('server_pending_links')
          .values(link('live', Date.now() + 600_000))
          .execute()
        assert.equal(await rotateKeyFile(store, keyFile), 2)
        await assert.rejects(retireKeyVersion(store, keyFile, 1), {
          code: 'ERR_VAULT_KEY_IN_USE',
          message: /still protects 1 records .*let links in progress finish/,
        })
        // Positive control: once the link has expired, nothing holds version 1 any more.
        await store.db
          .updateTable('server_pending_links')
          .set({ expires_at: Date.now() - 1 })
          .where('id_hash', '=', 'live')
          .execute()
        await retireKeyVersion(store, keyFile, 1)
        assert.deepEqual([...readKeyFile(keyFile).keys.keys()], [2])
      },
    )
  })
}
