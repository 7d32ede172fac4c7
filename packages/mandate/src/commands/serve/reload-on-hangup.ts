import { ConfigurationError } from '@mandate/core'
import type { Logger } from '@mandate/core'
import type { CommandIo } from '../../cli/output.ts'
import { resolveConfig } from '../../cli/resolve-config.ts'
import type { RunningServer } from '../../serve/start-server.ts'

/**
 * SIGHUP, as operators expect of a daemon: read the configuration (file, environment, the
 * flags of the start) again and apply the gateway's upstreams and policies. Fail safe: a
 * configuration that does not load or validate is refused with its key in the log, and what
 * was in force stays. Reloads run one after another. Returns the function that stops listening.
 */
export function reloadOnHangup(
  argv: readonly string[],
  io: CommandIo,
  server: RunningServer,
  logger: Logger,
): () => void {
  let queue = Promise.resolve()
  const reload = async () => {
    try {
      const { config } = resolveConfig(argv, io)
      await server.components.reloadGateway(config)
      logger.info('configuration reloaded (SIGHUP)')
    } catch (error) {
      logger.error(
        'configuration reload failed (SIGHUP); the previous gateway configuration stays',
        {
          ...(error instanceof ConfigurationError ? { setting: error.key } : {}),
          error: (error as Error).message,
        },
      )
    }
  }
  const onHangup = () => {
    queue = queue.then(reload)
  }
  process.on('SIGHUP', onHangup)
  return () => {
    process.off('SIGHUP', onHangup)
  }
}
