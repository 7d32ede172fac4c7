import { SETTINGS } from '../config/settings.ts'

const VALUE_NAMES: Readonly<Record<string, string>> = {
  'data-dir': '<dir>',
  'key-file': '<file>',
  database: '<url>',
  'public-url': '<url>',
  port: '<port>',
  host: '<address>',
  'shutdown-timeout-ms': '<ms>',
  'database-schema': '<name>',
  'log-level': '<level>',
  demo: '<true|false>',
}

/** One line per data flag: the flag, what it does, and the variable that sets it too. */
export const DATA_FLAGS = [
  `  ${'--config <file>'.padEnd(32)}JSON configuration file (MANDATE_CONFIG)`,
  ...SETTINGS.map(
    (s) =>
      `  ${`--${s.flag} ${VALUE_NAMES[s.flag] ?? '<value>'}`.padEnd(32)}${s.description} (${s.env})`,
  ),
  `  ${'-h, --help'.padEnd(32)}show this help`,
].join('\n')

/** The data flags under their heading, for the `--help` of every command that takes them. */
export const DATA_FLAGS_NOTE = `Flags (each also settable as an environment variable or in the --config JSON file):
${DATA_FLAGS}`

/** `mandate help`: every command, one line each, and the data flags. */
export const USAGE = `Usage: mandate <command> [flags]

Commands:
  serve            start the all-in-one server (authorization server, MCP demo, web pages)
  gateway          run the MCP gateway alone, for an authorization server elsewhere
  migrate          apply pending database migrations and exit
  config check     validate the configuration and print it, secrets masked
  users <action>   manage local accounts: add, list, disable, enable, delete, reset-mfa,
                   set-password, grant-role, revoke-role
  grants <action>  list or revoke what users gave clients: list [user], revoke <id>
  clients <action>  registered clients: list, disable <id>, delete <id>
  keys <action>    master-key rotation: rotate, rewrap, retire <version>
  providers <action>  third-party providers for linking: add, list, remove, test
  audit <action>   the audit trail: list, tail, verify, export, prune
  connect <url>    connect to an MCP server as an interactive host
  run -- <cmd>     start a local stdio MCP server with a token handshake
  help             show this help ("mandate <command> --help" for one command)

${DATA_FLAGS_NOTE}

Documentation: docs/configuration.md`
