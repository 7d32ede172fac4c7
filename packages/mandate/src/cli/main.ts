import { MandateError } from '@mandate/core'
import { didYouMean } from './suggest.ts'
import { USAGE } from './usage.ts'
import { line } from './output.ts'
import type { CommandIo } from './output.ts'
import { VERSION } from './version.ts'

interface Command {
  run: (argv: readonly string[], io: CommandIo) => Promise<number>
  usage: string
}

const configCheck = (): Promise<Command> =>
  import('../commands/config/config-check-command.ts').then((m) => ({
    run: m.configCheckCommand,
    usage: m.CONFIG_USAGE,
  }))

// Each command's module is loaded only when it runs: `mandate users add` does not pay for
// loading the gateway, the MCP client or the web pages.
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  serve: () =>
    import('../commands/serve/serve-command.ts').then((m) => ({
      run: m.serveCommand,
      usage: m.SERVE_USAGE,
    })),
  migrate: () =>
    import('../commands/migrate/migrate-command.ts').then((m) => ({
      run: m.migrateCommand,
      usage: m.MIGRATE_USAGE,
    })),
  'config check': configCheck,
  connect: () =>
    Promise.all([
      import('../commands/connect/connect-command.ts'),
      import('../commands/connect/parse-connect-args.ts'),
    ]).then(([m, args]) => ({ run: m.connectCommand, usage: args.CONNECT_USAGE })),
  run: () =>
    import('../commands/run/run-command.ts').then((m) => ({
      run: m.runCommand,
      usage: m.RUN_USAGE,
    })),
  users: () =>
    import('../commands/users/users-command.ts').then((m) => ({
      run: m.usersCommand,
      usage: m.USERS_USAGE,
    })),
  grants: () =>
    import('../commands/grants/grants-command.ts').then((m) => ({
      run: m.grantsCommand,
      usage: m.GRANTS_USAGE,
    })),
  clients: () =>
    import('../commands/clients/clients-command.ts').then((m) => ({
      run: m.clientsCommand,
      usage: m.CLIENTS_USAGE,
    })),
  keys: () =>
    import('../commands/keys/keys-command.ts').then((m) => ({
      run: m.keysCommand,
      usage: m.KEYS_USAGE,
    })),
  providers: () =>
    import('../commands/providers/providers-command.ts').then((m) => ({
      run: m.providersCommand,
      usage: m.PROVIDERS_USAGE,
    })),
  audit: () =>
    import('../commands/audit/audit-command.ts').then((m) => ({
      run: m.auditCommand,
      usage: m.AUDIT_USAGE,
    })),
  gateway: () =>
    import('../commands/gateway/gateway-command.ts').then((m) => ({
      run: m.gatewayCommand,
      usage: m.GATEWAY_USAGE,
    })),
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
    line(help ? io.stdout : io.stderr, (await configCheck()).usage)
    return help ? 0 : 2
  }
  const load = COMMANDS[name]
  if (load === undefined) {
    const known = [...new Set(Object.keys(COMMANDS).map((c) => c.split(' ')[0] ?? c)), 'help']
    const meant = didYouMean(first, known)
    line(io.stderr, `mandate: unknown command "${first}"${meant || '; run "mandate help"'}`)
    return 2
  }
  const command = await load()
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
