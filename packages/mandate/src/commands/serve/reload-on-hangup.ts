import { ConfigurationError } from '@mandate/core'
import type { Logger } from '@mandate/core'
import type { CommandIo } from '../../cli/output.ts'
import { resolveConfig } from '../../cli/resolve-config.ts'
import type { RunningServer } from '../../serve/start-server.ts'

/** What asked for a reload (named in the log). */
export type ReloadTrigger = 'SIGHUP' | 'file changed'

/**
 * Reads the configuration (file, environment, the flags of the start) again and applies the
 * gateway's upstreams and policies. Fail safe: a configuration that does not load or validate is
 * refused with its key in the log, and what was in force stays. Reloads run one after another.
 */
export function configReloader(
  argv: readonly string[],
  io: CommandIo,
  server: RunningServer,
  logger: Logger,
): (trigger: ReloadTrigger) => void {
  let queue = Promise.resolve()
  const reload = async (trigger: ReloadTrigger) => {
    try {
      const { config } = resolveConfig(argv, io)
      await server.components.reloadGateway(config)
      logger.info(`configuration reloaded (${trigger})`)
    } catch (error) {
      logger.error(
        `configuration reload failed (${trigger}); the previous gateway configuration stays`,
        {
          ...(error instanceof ConfigurationError ? { setting: error.key } : {}),
          error: (error as Error).message,
        },
      )
    }
  }
  return (trigger) => {
    queue = queue.then(() => reload(trigger))
  }
}

/** SIGHUP, as operators expect of a daemon, reloads. Returns the function that stops listening. */
export function reloadOnHangup(reload: (trigger: ReloadTrigger) => void): () => void {
  const onHangup = () => {
    reload('SIGHUP')
  }
  process.on('SIGHUP', onHangup)
  return () => {
    process.off('SIGHUP', onHangup)
  }
}
