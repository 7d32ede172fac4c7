import { grantUserRole, revokeUserRole } from '@mandate/authorization-server/operator'
import type { Users } from '@mandate/authorization-server/operator'
import type { CommandIo } from '../../cli/output.ts'
import { readSecret } from '../../cli/read-secret.ts'
import type { CliAudit } from '../../audit/cli-audit.ts'
import type { Runtime } from '../../runtime/open-runtime.ts'
import { deleteUser } from './delete-user.ts'

/** A `mandate users` action that changes an account. */
export type UserChange =
  | 'add'
  | 'disable'
  | 'enable'
  | 'delete'
  | 'reset-mfa'
  | 'set-password'
  | 'grant-role'
  | 'revoke-role'

/** What {@link changeUser} needs: the account, and the extra input some actions take. */
export interface UserChangeRequest {
  action: UserChange
  /** The username as typed. */
  name: string
  /** `grant-role` / `revoke-role`: the role. */
  role?: string
  /** `add`: optional profile fields. */
  profile?: { displayName?: string; email?: string }
  users: Users
  runtime: Runtime
  io: CommandIo
}

type UserEventType =
  'user.added' | 'user.disabled' | 'user.enabled' | 'user.password_reset' | 'user.mfa_reset'

/**
 * One change to a local account, recorded in the audit trail (`user.*`, `actor: cli`,
 * docs/audit.md) once it is done: the account's id and name, the role for role changes, never
 * the password. The revocation event of a change that takes access away (disable, delete,
 * password or second factor reset) is written by `Users` itself (docs/revocation.md).
 * @returns the line the command prints
 * @throws `ERR_AS_USER_NOT_FOUND` (nothing changed, nothing audited)
 */
export async function changeUser(request: UserChangeRequest, audit: CliAudit): Promise<string> {
  const { action, name, users, io } = request
  const record = async (type: UserEventType): Promise<void> => {
    const user = await users.findByUsername(name)
    if (user === undefined) return
    audit.by.emit({ type, actor: 'cli', user_id: user.id, username: user.username })
  }
  switch (action) {
    case 'add': {
      const password = await readSecret(io.stdin, io.stderr, `password for ${name}: `)
      const user = await users.add({ username: name, password, ...request.profile })
      audit.by.emit({ type: 'user.added', actor: 'cli', user_id: user.id, username: user.username })
      return `added ${name}`
    }
    case 'disable':
    case 'enable':
      await users.setDisabled(name, action === 'disable')
      await record(action === 'disable' ? 'user.disabled' : 'user.enabled')
      return `${action}d ${name}`
    case 'reset-mfa':
      await users.resetMfa(name)
      await record('user.mfa_reset')
      return `reset MFA of ${name}`
    case 'set-password':
      await users.setPassword(
        name,
        await readSecret(io.stdin, io.stderr, `new password for ${name}: `),
      )
      await record('user.password_reset')
      return `changed the password of ${name}`
    case 'delete': {
      const removed = await deleteUser(request.runtime, users, name, audit)
      return `deleted ${name} (${String(removed.unlinked)} linked accounts unlinked, ${String(removed.revoked)} revoked at the provider)`
    }
    case 'grant-role':
    case 'revoke-role':
      return changeRole(request, audit, action === 'grant-role')
  }
}

/** `users grant-role|revoke-role <username> <role>` (idempotent), audited. */
async function changeRole(
  { name, role = '', users, runtime }: UserChangeRequest,
  audit: CliAudit,
  grant: boolean,
): Promise<string> {
  await (grant ? grantUserRole : revokeUserRole)(runtime.store, name, role)
  const user = await users.findByUsername(name)
  if (user !== undefined) {
    audit.by.emit({
      type: grant ? 'user.role_granted' : 'user.role_revoked',
      actor: 'cli',
      user_id: user.id,
      username: user.username,
      role,
    })
  }
  return `${grant ? 'granted' : 'revoked'} role ${role} ${grant ? 'to' : 'from'} ${name}`
}
