import { openRuntime } from '../../runtime/open-runtime.ts'
import { line } from '../../cli/output.ts'
import type { CommandIo } from '../../cli/output.ts'
import { resolveConfig } from '../../cli/resolve-config.ts'
import { DATA_FLAGS_NOTE } from '../../cli/usage.ts'

/** `mandate migrate --help`. */
export const MIGRATE_USAGE = `Usage: mandate migrate [flags]

Applies pending database migrations and exits (serve applies them on start, too).

${DATA_FLAGS_NOTE}`

/**
 * `mandate migrate`: opens the runtime, which applies pending migrations, and says what was
 * applied, so that an operator can migrate before rolling out new instances.
 */
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
