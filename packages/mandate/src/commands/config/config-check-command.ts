import { maskConfig } from '../../config/mask-config.ts'
import { line } from '../../cli/output.ts'
import type { CommandIo } from '../../cli/output.ts'
import { resolveConfig } from '../../cli/resolve-config.ts'
import { DATA_FLAGS_NOTE } from '../../cli/usage.ts'

/** `mandate config check --help`. */
export const CONFIG_USAGE = `Usage: mandate config check [flags]

Validates the configuration from every source (defaults, --config file, MANDATE_* variables,
flags), prints it with secrets masked, and says where each value came from.

${DATA_FLAGS_NOTE}`

/**
 * `mandate config check`: validates the configuration without opening anything, prints it with
 * secrets masked (stdout) and where each set value came from (stderr).
 */
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
