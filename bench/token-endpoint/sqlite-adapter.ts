// The least a durable oidc-provider adapter on SQLite does, for the `bare-sqlite` baseline: one
// table keyed by (model, id), an index on grant_id (revocation by grant needs it), payloads as
// JSON, WAL mode with synchronous=NORMAL, and the writes of one event-loop turn committed
// together before any of them is acknowledged (Mandate's group commit, without its queue
// ordering or rollback handling). No expiry index, no hashing of ids, no atomic consume, no
// owner columns, no account lookup: everything Mandate adds is left out, so that `bare-sqlite`
// shows what keeping codes and refresh tokens on disk costs oidc-provider itself.
import { DatabaseSync } from 'node:sqlite'
import type { SQLInputValue, StatementSync } from 'node:sqlite'
import type { Adapter, AdapterPayload } from 'oidc-provider'

interface Statements {
  upsert: StatementSync
  find: StatementSync
  findByUid: StatementSync
  consume: StatementSync
  destroy: StatementSync
  revokeByGrantId: StatementSync
}

/** An adapter class on one SQLite file. */
export function sqliteAdapterClass(filename: string): new (name: string) => Adapter {
  const db = new DatabaseSync(filename)
  db.exec('PRAGMA journal_mode = WAL')
  db.exec('PRAGMA synchronous = NORMAL')
  db.exec(`create table if not exists records (
    model text not null, id text not null, payload text not null, grant_id text,
    uid text, expires_at integer, primary key (model, id))`)
  db.exec('create index if not exists records_grant on records (grant_id)')
  const statements: Statements = {
    upsert: db.prepare(
      `insert into records (model, id, payload, grant_id, uid, expires_at) values (?, ?, ?, ?, ?, ?)
       on conflict (model, id) do update set payload = excluded.payload, expires_at = excluded.expires_at`,
    ),
    find: db.prepare('select payload from records where model = ? and id = ?'),
    findByUid: db.prepare('select payload from records where model = ? and uid = ?'),
    consume: db.prepare(
      `update records set payload = json_set(payload, '$.consumed', ?) where model = ? and id = ?`,
    ),
    destroy: db.prepare('delete from records where model = ? and id = ?'),
    revokeByGrantId: db.prepare('delete from records where grant_id = ?'),
  }
  let commit: Promise<undefined> | undefined
  /** Runs a write in this turn's transaction; settles once that transaction is committed. */
  const write = (statement: StatementSync, ...values: SQLInputValue[]): Promise<undefined> => {
    if (commit === undefined) {
      db.exec('begin immediate')
      commit = new Promise((resolve) => {
        setImmediate(() => {
          db.exec('commit')
          commit = undefined
          resolve(undefined)
        })
      })
    }
    statement.run(...values)
    return commit
  }
  return class SqliteAdapter implements Adapter {
    readonly name: string
    constructor(name: string) {
      this.name = name
    }
    upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<undefined> {
      return write(
        statements.upsert,
        this.name,
        id,
        JSON.stringify(payload),
        payload.grantId ?? null,
        payload.uid ?? null,
        expiresIn > 0 ? Date.now() + expiresIn * 1000 : null,
      )
    }
    find(id: string): Promise<AdapterPayload | undefined> {
      return Promise.resolve(parse(statements.find.get(this.name, id)))
    }
    findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return Promise.resolve(parse(statements.findByUid.get(this.name, uid)))
    }
    findByUserCode(): Promise<undefined> {
      return Promise.resolve(undefined)
    }
    consume(id: string): Promise<undefined> {
      return write(statements.consume, Math.floor(Date.now() / 1000), this.name, id)
    }
    destroy(id: string): Promise<undefined> {
      return write(statements.destroy, this.name, id)
    }
    revokeByGrantId(grantId: string): Promise<undefined> {
      return write(statements.revokeByGrantId, grantId)
    }
  }
}

function parse(row: Record<string, unknown> | undefined): AdapterPayload | undefined {
  return typeof row?.['payload'] === 'string'
    ? (JSON.parse(row['payload']) as AdapterPayload)
    : undefined
}
