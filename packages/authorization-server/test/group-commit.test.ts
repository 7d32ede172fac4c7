// Group commit of the adapter's record writes on SQLite (src/adapter/group-commit.ts): writes
// of one event-loop turn share a transaction, and none settles before its commit. The single
// use of codes (RFC 9700 §4.5) and durability must hold inside a batch and across connections.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { errors } from 'oidc-provider'
import type { Adapter } from 'oidc-provider'
import { findOidcRecord, upsertOidcRecord } from '@mandate/store'
import type { OidcRecordWrite, Store } from '@mandate/store'
import { sqliteBackend } from '../../../test/support/stores.ts'
import { storeAdapterClass } from '../src/index.ts'
import { GroupCommit } from '../src/adapter/group-commit.ts'
import { sha256Hex } from '../src/lib/hash.ts'

const codePayload = { grantId: 'grant-1', kind: 'AuthorizationCode', clientId: 'client-1' }

function record(idHash: string): OidcRecordWrite {
  return {
    model: 'AuthorizationCode',
    id_hash: idHash,
    payload: '{}',
    grant_id: 'grant-1',
    uid_hash: null,
    user_code_hash: null,
    account_id: null,
    client_id: null,
    expires_at: Date.now() + 60_000,
  }
}

void describe('group commit of record writes (SQLite)', () => {
  const backend = sqliteBackend()
  let store: Store
  // A second connection to the same file: what another process would see.
  let other: Store
  let codes: Adapter
  let otherCodes: Adapter
  let next = 0
  const freshId = (): string => `code-${String((next += 1))}-${String(Date.now())}`

  before(async () => {
    store = await backend.open({ migrate: true })
    other = await backend.open()
    codes = new (storeAdapterClass(store))('AuthorizationCode')
    otherCodes = new (storeAdapterClass(other))('AuthorizationCode')
  })
  after(async () => {
    await other.close()
    await store.close()
    await backend.cleanup()
  })

  void it('positive control: a code stored and consumed once is consumed', async () => {
    const id = freshId()
    await codes.upsert(id, codePayload, 60)
    await codes.consume(id)
    assert.notEqual(
      (await findOidcRecord(other, 'AuthorizationCode', sha256Hex(id)))?.consumed_at,
      null,
    )
  })

  void it('catalogue #30: two consumes of one code in the same batch: exactly one wins', async () => {
    const id = freshId()
    await codes.upsert(id, codePayload, 60)
    const results = await Promise.allSettled([codes.consume(id), codes.consume(id)])
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1)
    const refused = results.find((r) => r.status === 'rejected')
    assert.ok(refused?.reason instanceof errors.InvalidGrant)
  })

  void it('catalogue #30: consumes of one code on two connections in the same turn: exactly one wins', async () => {
    const id = freshId()
    await codes.upsert(id, codePayload, 60)
    const results = await Promise.allSettled([codes.consume(id), otherCodes.consume(id)])
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1)
  })

  void it('a write settles only after its commit: another connection sees it then, not before', async () => {
    const id = freshId()
    const stored = codes.upsert(id, codePayload, 60)
    // Queued for the next batch: nothing committed yet.
    assert.equal(await findOidcRecord(other, 'AuthorizationCode', sha256Hex(id)), undefined)
    await stored
    assert.ok(await findOidcRecord(other, 'AuthorizationCode', sha256Hex(id)))
  })

  void it('a record saved and deleted in the same turn stays deleted (order kept)', async () => {
    const id = freshId()
    const saved = codes.upsert(id, codePayload, 60)
    const destroyed = codes.destroy(id)
    await Promise.all([saved, destroyed])
    assert.equal(await findOidcRecord(other, 'AuthorizationCode', sha256Hex(id)), undefined)
    const revokedId = freshId()
    const savedToo = codes.upsert(revokedId, { ...codePayload, grantId: 'grant-2' }, 60)
    const revoked = codes.revokeByGrantId('grant-2')
    await Promise.all([savedToo, revoked])
    assert.equal(await findOidcRecord(other, 'AuthorizationCode', sha256Hex(revokedId)), undefined)
  })

  void it('positive control: a batch of good writes stores every one', async () => {
    const group = new GroupCommit(store.db)
    await Promise.all([
      group.run((tx) => upsertOidcRecord(tx, record('batch-ok-1'))),
      group.run((tx) => upsertOidcRecord(tx, record('batch-ok-2'))),
    ])
    assert.ok(await findOidcRecord(other, 'AuthorizationCode', 'batch-ok-1'))
    assert.ok(await findOidcRecord(other, 'AuthorizationCode', 'batch-ok-2'))
  })

  void it('a failing write rejects every write of its batch and none is stored', async () => {
    const group = new GroupCommit(store.db)
    const results = await Promise.allSettled([
      group.run((tx) => upsertOidcRecord(tx, record('batch-bad-1'))),
      group.run(() => Promise.reject(new Error('disk full'))),
    ])
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected'],
    )
    assert.equal(await findOidcRecord(other, 'AuthorizationCode', 'batch-bad-1'), undefined)
    // The connection is usable afterwards (the transaction was rolled back, not left open).
    await group.run((tx) => upsertOidcRecord(tx, record('batch-after-failure')))
    assert.ok(await findOidcRecord(other, 'AuthorizationCode', 'batch-after-failure'))
  })
})
