import { openRuntime } from '../../runtime/open-runtime.ts'
import { startServer } from '../../serve/start-server.ts'
import type { CommandIo } from '../../cli/output.ts'
import { resolveConfig } from '../../cli/resolve-config.ts'
import { DATA_FLAGS_NOTE } from '../../cli/usage.ts'
import { printBanner } from './banner.ts'
import { configReloader, reloadOnHangup } from './reload-on-hangup.ts'
import { reloadOnFileChange } from './reload-on-change.ts'
import { parseGlobalFlags } from '../../cli/global-flags.ts'

/** `mandate serve --help`. */
export const SERVE_USAGE = `Usage: mandate serve [flags]

Starts the authorization server, the web pages (sign-in, consent, account, account linking) and,
unless --demo false, the demo notes MCP server at /mcp, on one port. Stops gracefully on SIGTERM
or Ctrl-C. SIGHUP, or a change of the --config file, reloads the gateway's upstreams and
policies from the configuration (an invalid one is refused, logged, and the previous one stays).

${DATA_FLAGS_NOTE}

Documentation: docs/configuration.md, docs/authorization-server.md`

/**
 * `mandate serve`: opens the runtime (key ring, store, migrations, key check), starts the
 * all-in-one server and runs until SIGTERM or SIGINT, then shuts down gracefully. Returns the
 * exit code: 0 after a clean shutdown, 1 when the shutdown failed.
 */
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
    const reload = configReloader(argv, io, server, runtime.logger)
    const stopHangup = reloadOnHangup(reload)
    const stopWatch = reloadOnFileChange(parseGlobalFlags(argv).config, reload, runtime.logger)
    const signal = await stop.received.finally(() => {
      stopHangup()
      stopWatch()
    })
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
