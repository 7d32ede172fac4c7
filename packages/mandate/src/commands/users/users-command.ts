import { Users } from '@mandate/authorization-server/operator'
import { ConfigurationError } from '@mandate/core'
import { loadConfig } from '../../config/load-config.ts'
import { parseGlobalFlags } from '../../cli/global-flags.ts'
import type { GlobalFlags } from '../../cli/global-flags.ts'
import { line } from '../../cli/output.ts'
import type { CommandIo } from '../../cli/output.ts'
import { openRuntime } from '../../runtime/open-runtime.ts'
import { withCliAudit } from '../../audit/cli-audit.ts'
import { changeUser } from './change-user.ts'
import type { UserChange } from './change-user.ts'
import type { Runtime } from '../../runtime/open-runtime.ts'

/** `mandate users --help`. */
export const USERS_USAGE = `Usage: mandate users <action> [username] [flags]

Actions:
  add <username>          create a local account; the password is read from standard input
                          (prompted without echo on a terminal), never from arguments
  list                    list accounts: username, status, MFA
  disable <username>      refuse sign-in, end every grant, refuse every token issued so far
                          (within a second everywhere; docs/revocation.md)
  enable <username>       allow sign-in again
  delete <username>       delete the account: grants and browser sessions end, every token
                          issued so far is refused everywhere; its linked accounts are
                          unlinked (revoked at the provider where it supports RFC 7009) and
                          its account links in progress dropped
  reset-mfa <username>    remove the TOTP factor and recovery codes (the user enrols again);
                          ends every grant and browser session like "disable"
  set-password <username> replace the password (read like "add"); ends every grant and
                          browser session
  grant-role <username> operator
                          give a role: "operator" opens the operator console at /admin
                          (the user must also use a second factor)
  revoke-role <username> operator
                          take the role away

Each change is recorded in the audit trail (user.added, user.disabled, user.enabled,
user.deleted, user.password_reset, user.mfa_reset, user.role_granted, user.role_revoked).

Flags: --display-name <name>, --email <address> (add), and the data flags of "mandate help".`

/** `mandate users …`: operator management of local accounts. */
export async function usersCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const flags = parseGlobalFlags(argv, {
    'display-name': { type: 'string' },
    email: { type: 'string' },
  })
  const [action, username, role] = flags.positionals
  const { config } = loadConfig({
    ...(flags.config === undefined ? {} : { file: flags.config }),
    env: io.env,
    flags: flags.settings,
  })
  const needsName = action !== 'list'
  if (action === undefined || (needsName && username === undefined)) {
    line(io.stderr, USERS_USAGE)
    return 2
  }
  const runtime = await openRuntime(config, { env: io.env })
  try {
    const users = new Users(runtime.store, runtime.keys)
    const name = username ?? ''
    return await usersAction({ action, name, role, users, runtime, flags, io })
  } finally {
    await runtime.close()
  }
}

const CHANGES: readonly string[] = [
  'add',
  'disable',
  'enable',
  'delete',
  'reset-mfa',
  'set-password',
  'grant-role',
  'revoke-role',
] satisfies readonly UserChange[]

interface UsersAction {
  action: string
  /** The username ('' for `list`). */
  name: string
  role: string | undefined
  users: Users
  runtime: Runtime
  flags: GlobalFlags
  io: CommandIo
}

/** One action on the open store; returns the exit code. */
async function usersAction(request: UsersAction): Promise<number> {
  const { action, name, role, users, runtime, flags, io } = request
  if (action === 'list') {
    for (const user of await users.list()) {
      line(
        io.stdout,
        `${user.username.padEnd(24)} ${user.disabled ? 'disabled' : 'active  '} ${user.mfa ? 'mfa' : 'no-mfa'}`,
      )
    }
    return 0
  }
  if (!CHANGES.includes(action)) {
    throw new ConfigurationError('users', `unknown action "${action}"; run "mandate users --help"`)
  }
  if ((action === 'grant-role' || action === 'revoke-role') && role === undefined) {
    line(io.stderr, USERS_USAGE)
    return 2
  }
  const displayName = flags.values['display-name']
  const email = flags.values['email']
  // Every change is audited (docs/audit.md), written before the command exits.
  const done = await withCliAudit(runtime, (audit) =>
    changeUser(
      {
        action: action as UserChange,
        name,
        ...(role === undefined ? {} : { role }),
        profile: {
          ...(typeof displayName === 'string' ? { displayName } : {}),
          ...(typeof email === 'string' ? { email } : {}),
        },
        users,
        runtime,
        io,
      },
      audit,
    ),
  )
  line(io.stdout, done)
  return 0
}
