import { createHash } from 'node:crypto'
import { sql, SqliteAdapter } from 'kysely'
import type { Kysely } from 'kysely'

// Client secrets of dynamically registered clients were stored in clear in the oidc-provider
// client record; from now on only `sha256$<hex>` is kept (RFC 6819 §5.1.4.1.3). This rewrites
// the records written before. Irreversible: `down` keeps the hashes (they still authenticate).
// On SQLite the old page images would stay in the file and its WAL: once something was
// rewritten, the database is checkpointed and rebuilt (VACUUM) so the clear text is gone.
const HASHED = /^sha256\$[0-9a-f]{64}$/

export async function up(db: Kysely<unknown>): Promise<void> {
  const typed = db as unknown as Kysely<Tables>
  const rows = await typed
    .selectFrom('as_oidc_records')
    .select(['id_hash', 'payload'])
    .where('model', '=', 'Client')
    .execute()
  let rewritten = 0
  for (const row of rows) {
    const payload = JSON.parse(row.payload) as Record<string, unknown>
    const secret = payload['client_secret']
    if (typeof secret !== 'string' || HASHED.test(secret)) continue
    payload['client_secret'] = `sha256$${createHash('sha256').update(secret).digest('hex')}`
    await typed
      .updateTable('as_oidc_records')
      .set({ payload: JSON.stringify(payload) })
      .where('model', '=', 'Client')
      .where('id_hash', '=', row.id_hash)
      .execute()
    rewritten++
  }
  if (rewritten > 0 && db.getExecutor().adapter instanceof SqliteAdapter) {
    // Not in a transaction: Kysely runs SQLite migrations without one (no transactional DDL).
    await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db)
    await sql`VACUUM`.execute(db)
    await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db)
  }
}

export async function down(): Promise<void> {
  // Nothing to undo: a hash cannot be turned back into the secret.
}

interface Tables {
  as_oidc_records: { model: string; id_hash: string; payload: string }
}
