import { ConfigurationError } from '@mandate/core'
import { loadConfig } from '../config/load-config.ts'
import type { LoadedConfig } from '../config/load-config.ts'
import { maskConfig } from '../config/mask-config.ts'
import { SETTINGS } from '../config/settings.ts'
import { openRuntime } from '../runtime/open-runtime.ts'
import { startServer } from '../serve/start-server.ts'
import { parseGlobalFlags } from './global-flags.ts'
import { line } from './output.ts'
import type { CommandIo } from './output.ts'
import { printBanner } from './banner.ts'

export const USAGE = `Usage: mandate <command> [flags]

Commands:
  serve            start the all-in-one server (authorization server, gateway, web UI)
  migrate          apply pending database migrations and exit
  config check     validate the configuration and print it, secrets masked
  users <action>   manage local accounts: add, list, disable, enable, reset-mfa, set-password
  keys <action>    master-key rotation: rotate, rewrap, retire <version>
  connect <url>    connect to an MCP server as an interactive host (mandate connect --help)
  run -- <cmd>     start a local stdio MCP server with a token handshake (mandate run --help)
  help             show this help

Flags (each also settable as an environment variable or in the --config JSON file):
  --config <file>  JSON configuration file (MANDATE_CONFIG)
${SETTINGS.map((s) => `  --${s.flag} <value>`.padEnd(30) + s.env).join('\n')}

Documentation: docs/configuration.md`

function resolveConfig(argv: readonly string[], io: CommandIo): LoadedConfig {
  const flags = parseGlobalFlags(argv)
  if (flags.positionals.length > 0) {
    throw new ConfigurationError('arguments', `unexpected argument "${flags.positionals[0] ?? ''}"`)
  }
  return loadConfig({
    ...(flags.config === undefined ? {} : { file: flags.config }),
    env: io.env,
    flags: flags.settings,
  })
}

export async function serveCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { config } = resolveConfig(argv, io)
  // Signal handlers go in before anything starts: a stop requested while starting (or the
  // instant the banner appears) must still end in a graceful shutdown, not a killed process.
  const stop = stopSignal()
  try {
    const runtime = await openRuntime(config, { env: io.env })
    let server
    try {
      server = await startServer(runtime)
    } catch (error) {
      await runtime.close()
      throw error
    }
    printBanner(io.stderr, runtime, server)
    const signal = await stop.received
    runtime.logger.info('signal received', { signal })
    try {
      await server.shutdown()
    } catch (error) {
      runtime.logger.error('shutdown failed', { error })
      return 1
    }
    return 0
  } finally {
    stop.dispose()
  }
}

function stopSignal(): { received: Promise<NodeJS.Signals>; dispose: () => void } {
  let resolve!: (signal: NodeJS.Signals) => void
  const received = new Promise<NodeJS.Signals>((done) => (resolve = done))
  const onSignal = (signal: NodeJS.Signals) => {
    resolve(signal)
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
  return {
    received,
    dispose: () => {
      process.off('SIGTERM', onSignal)
      process.off('SIGINT', onSignal)
    },
  }
}

export async function migrateCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { config } = resolveConfig(argv, io)
  const runtime = await openRuntime(config, { env: io.env })
  try {
    const report = runtime.migrations
    line(
      io.stdout,
      report.applied.length === 0
        ? `database is up to date (${String(report.current.length)} migrations)`
        : `applied ${String(report.applied.length)} migration(s): ${report.applied.join(', ')}`,
    )
  } finally {
    await runtime.close()
  }
  return 0
}

export function configCheckCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { config, origins } = resolveConfig(argv, io)
  line(io.stdout, JSON.stringify(maskConfig(config), null, 2))
  const set = [...origins].map(([path, origin]) => `  ${path} from ${origin}`)
  line(
    io.stderr,
    set.length === 0
      ? 'configuration is valid (all defaults)'
      : `configuration is valid; set:\n${set.join('\n')}`,
  )
  return Promise.resolve(0)
}
