import { MandateError } from '@mandate/core'
import { connectCommand } from '../commands/connect/connect-command.ts'
import { CONNECT_USAGE } from '../commands/connect/parse-connect-args.ts'
import { runCommand, RUN_USAGE } from '../commands/run/run-command.ts'
import { keysCommand, KEYS_USAGE } from '../commands/keys/keys-command.ts'
import { usersCommand, USERS_USAGE } from '../commands/users/users-command.ts'
import { configCheckCommand, migrateCommand, serveCommand, USAGE } from './commands.ts'
import { line } from './output.ts'
import type { CommandIo } from './output.ts'
import { VERSION } from './version.ts'

interface Command {
  run: (argv: readonly string[], io: CommandIo) => Promise<number>
  usage: string
}

const COMMANDS: Readonly<Record<string, Command>> = {
  serve: { run: serveCommand, usage: USAGE },
  migrate: { run: migrateCommand, usage: USAGE },
  'config check': { run: configCheckCommand, usage: USAGE },
  connect: { run: connectCommand, usage: CONNECT_USAGE },
  run: { run: runCommand, usage: RUN_USAGE },
  users: { run: usersCommand, usage: USERS_USAGE },
  keys: { run: keysCommand, usage: KEYS_USAGE },
}

/**
 * Runs one CLI invocation and returns the exit code. Expected failures (bad configuration,
 * unreachable database, bad key file) print one line, `mandate: <what is wrong>`, and exit 1.
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
  const command = COMMANDS[name]
  if (command === undefined) {
    line(io.stderr, `mandate: unknown command "${first}"; run "mandate help"`)
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
