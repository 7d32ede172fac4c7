import type { Kysely } from 'kysely'

// Roles of local users (issue 16): `operator` opens the operator console at /admin. One row per
// user and role, set by `mandate users grant-role`; a deleted user's roles go with the user.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('as_user_roles')
    .addColumn('user_id', 'varchar(64)', (col) =>
      col.notNull().references('as_users.id').onDelete('cascade'),
    )
    .addColumn('role', 'varchar(32)', (col) => col.notNull())
    .addColumn('granted_at', 'bigint', (col) => col.notNull())
    .addPrimaryKeyConstraint('as_user_roles_pk', ['user_id', 'role'])
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('as_user_roles').execute()
}
