import { grantUserRole, revokeUserRole, Users } from '@mandate/authorization-server'
import { ConfigurationError } from '@mandate/core'
import { loadConfig } from '../../config/load-config.ts'
import { parseGlobalFlags } from '../../cli/global-flags.ts'
import type { GlobalFlags } from '../../cli/global-flags.ts'
import { line } from '../../cli/output.ts'
import type { CommandIo } from '../../cli/output.ts'
import { readSecret } from '../../cli/read-secret.ts'
import { openRuntime } from '../../runtime/open-runtime.ts'
import { withCliAudit } from '../../audit/cli-audit.ts'
import { deleteUser } from './delete-user.ts'
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
    return await usersAction({
      action,
      name,
      role,
      users,
      store: runtime.store,
      runtime,
      flags,
      io,
    })
  } finally {
    await runtime.close()
  }
}

interface UsersAction {
  action: string
  /** The username ('' for `list`). */
  name: string
  role: string | undefined
  users: Users
  store: Runtime['store']
  runtime: Runtime
  flags: GlobalFlags
  io: CommandIo
}

/** One action on the open store; returns the exit code. */
async function usersAction(request: UsersAction): Promise<number> {
  const { action, name, users, io } = request
  switch (action) {
    case 'add':
      return addUser(request)
    case 'list':
      for (const user of await users.list()) {
        line(
          io.stdout,
          `${user.username.padEnd(24)} ${user.disabled ? 'disabled' : 'active  '} ${user.mfa ? 'mfa' : 'no-mfa'}`,
        )
      }
      return 0
    case 'disable':
    case 'enable':
      await users.setDisabled(name, action === 'disable')
      line(io.stdout, `${action}d ${name}`)
      return 0
    case 'delete': {
      const { runtime } = request
      const removed = await withCliAudit(runtime, (audit) =>
        deleteUser(runtime, users, name, audit),
      )
      line(
        io.stdout,
        `deleted ${name} (${String(removed.unlinked)} linked accounts unlinked, ${String(removed.revoked)} revoked at the provider)`,
      )
      return 0
    }
    case 'reset-mfa':
      await users.resetMfa(name)
      line(io.stdout, `reset MFA of ${name}`)
      return 0
    case 'set-password':
      await users.setPassword(
        name,
        await readSecret(io.stdin, io.stderr, `new password for ${name}: `),
      )
      line(io.stdout, `changed the password of ${name}`)
      return 0
    case 'grant-role':
    case 'revoke-role':
      return changeRole(request, action === 'grant-role')
    default:
      throw new ConfigurationError(
        'users',
        `unknown action "${action}"; run "mandate users --help"`,
      )
  }
}

/** `users add`: the password from standard input (prompted without echo on a terminal). */
async function addUser({ name, users, flags, io }: UsersAction): Promise<number> {
  const displayName = flags.values['display-name']
  const email = flags.values['email']
  const password = await readSecret(io.stdin, io.stderr, `password for ${name}: `)
  await users.add({
    username: name,
    password,
    ...(typeof displayName === 'string' ? { displayName } : {}),
    ...(typeof email === 'string' ? { email } : {}),
  })
  line(io.stdout, `added ${name}`)
  return 0
}

/** `users grant-role|revoke-role <username> <role>`. */
async function changeRole({ name, role, store, io }: UsersAction, grant: boolean) {
  if (role === undefined) {
    line(io.stderr, USERS_USAGE)
    return 2
  }
  await (grant ? grantUserRole : revokeUserRole)(store, name, role)
  line(io.stdout, `${grant ? 'granted' : 'revoked'} role ${role} ${grant ? 'to' : 'from'} ${name}`)
  return 0
}
