import { MandateError } from '@mandate/core'
import { connectCommand } from '../commands/connect/connect-command.ts'
import { CONNECT_USAGE } from '../commands/connect/parse-connect-args.ts'
import { runCommand, RUN_USAGE } from '../commands/run/run-command.ts'
import { keysCommand, KEYS_USAGE } from '../commands/keys/keys-command.ts'
import { usersCommand, USERS_USAGE } from '../commands/users/users-command.ts'
import { grantsCommand, GRANTS_USAGE } from '../commands/grants/grants-command.ts'
import { clientsCommand, CLIENTS_USAGE } from '../commands/clients/clients-command.ts'
import { providersCommand, PROVIDERS_USAGE } from '../commands/providers/providers-command.ts'
import { auditCommand, AUDIT_USAGE } from '../commands/audit/audit-command.ts'
import { gatewayCommand, GATEWAY_USAGE } from '../commands/gateway/gateway-command.ts'
import { serveCommand, SERVE_USAGE } from '../commands/serve/serve-command.ts'
import { migrateCommand, MIGRATE_USAGE } from '../commands/migrate/migrate-command.ts'
import { configCheckCommand, CONFIG_USAGE } from '../commands/config/config-check-command.ts'
import { didYouMean } from './suggest.ts'
import { USAGE } from './usage.ts'
import { line } from './output.ts'
import type { CommandIo } from './output.ts'
import { VERSION } from './version.ts'

interface Command {
  run: (argv: readonly string[], io: CommandIo) => Promise<number>
  usage: string
}

const COMMANDS: Readonly<Record<string, Command>> = {
  serve: { run: serveCommand, usage: SERVE_USAGE },
  migrate: { run: migrateCommand, usage: MIGRATE_USAGE },
  'config check': { run: configCheckCommand, usage: CONFIG_USAGE },
  connect: { run: connectCommand, usage: CONNECT_USAGE },
  run: { run: runCommand, usage: RUN_USAGE },
  users: { run: usersCommand, usage: USERS_USAGE },
  grants: { run: grantsCommand, usage: GRANTS_USAGE },
  clients: { run: clientsCommand, usage: CLIENTS_USAGE },
  keys: { run: keysCommand, usage: KEYS_USAGE },
  providers: { run: providersCommand, usage: PROVIDERS_USAGE },
  audit: { run: auditCommand, usage: AUDIT_USAGE },
  gateway: { run: gatewayCommand, usage: GATEWAY_USAGE },
}

/**
 * Runs one CLI invocation and returns the exit code: looks the command up in the command table
 * (each command lives in `src/commands/<name>/`) and runs it. Expected failures (bad
 * configuration, unreachable database, bad key file) print one line, `mandate: <what is
 * wrong>`, and exit 1.
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2), {
 *   stdin: process.stdin,
 *   stdout: process.stdout,
 *   stderr: process.stderr,
 *   env: process.env,
 * })
 * ```
 */
export async function main(argv: readonly string[], io: CommandIo): Promise<number> {
  const [first, second] = argv
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') {
    line(io.stdout, USAGE)
    return first === undefined ? 2 : 0
  }
  if (first === '--version' || first === 'version') {
    line(io.stdout, VERSION)
    return 0
  }
  const twoWords = `${first} ${second ?? ''}`
  const name = twoWords in COMMANDS ? twoWords : first
  if (first === 'config' && second !== 'check') {
    // `config` alone, `config --help`, or a mistyped action.
    const help = second === undefined || second === '--help' || second === '-h'
    if (!help)
      line(io.stderr, `mandate: unknown action "config ${second}"${didYouMean(second, ['check'])}`)
    line(help ? io.stdout : io.stderr, CONFIG_USAGE)
    return help ? 0 : 2
  }
  const command = COMMANDS[name]
  if (command === undefined) {
    const known = [...new Set(Object.keys(COMMANDS).map((c) => c.split(' ')[0] ?? c)), 'help']
    const meant = didYouMean(first, known)
    line(io.stderr, `mandate: unknown command "${first}"${meant || '; run "mandate help"'}`)
    return 2
  }
  const rest = argv.slice(name.split(' ').length)
  // Flags after `--` belong to the command `mandate run` starts, not to us.
  const own = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest
  if (own.includes('--help') || own.includes('-h')) {
    line(io.stdout, command.usage)
    return 0
  }
  try {
    return await command.run(rest, io)
  } catch (error) {
    if (error instanceof MandateError) {
      line(io.stderr, `mandate: ${error.message}`)
      return 1
    }
    throw error
  }
}
