import { Users } from '@mandate/authorization-server'
import { ConfigurationError } from '@mandate/core'
import { loadConfig } from '../../config/load-config.ts'
import { parseGlobalFlags } from '../../cli/global-flags.ts'
import { line } from '../../cli/output.ts'
import type { CommandIo } from '../../cli/output.ts'
import { readSecret } from '../../cli/read-secret.ts'
import { openRuntime } from '../../runtime/open-runtime.ts'

export const USERS_USAGE = `Usage: mandate users <action> [username] [flags]

Actions:
  add <username>          create a local account; the password is read from standard input
                          (prompted without echo on a terminal), never from arguments
  list                    list accounts: username, status, MFA
  disable <username>      refuse sign-in (existing sessions end at their next check)
  enable <username>       allow sign-in again
  reset-mfa <username>    remove the TOTP factor and recovery codes (the user enrols again)
  set-password <username> replace the password (read like "add")

Flags: --display-name <name>, --email <address> (add), and the data flags of "mandate help".`

/** `mandate users …`: operator management of local accounts. */
export async function usersCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const flags = parseGlobalFlags(argv, {
    'display-name': { type: 'string' },
    email: { type: 'string' },
  })
  const [action, username] = flags.positionals
  const displayName = flags.values['display-name']
  const email = flags.values['email']
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
    const users = new Users(runtime.store, runtime.keyRing)
    const name = username ?? ''
    switch (action) {
      case 'add': {
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
      case 'list': {
        for (const user of await users.list()) {
          line(
            io.stdout,
            `${user.username.padEnd(24)} ${user.disabled ? 'disabled' : 'active  '} ${user.mfa ? 'mfa' : 'no-mfa'}`,
          )
        }
        return 0
      }
      case 'disable':
      case 'enable':
        await users.setDisabled(name, action === 'disable')
        line(io.stdout, `${action}d ${name}`)
        return 0
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
      default:
        throw new ConfigurationError(
          'users',
          `unknown action "${action}"; run "mandate users --help"`,
        )
    }
  } finally {
    await runtime.close()
  }
}
