import { ConfigurationError } from '@mandate/core'
import { loadConfig } from '../config/load-config.ts'
import type { LoadedConfig } from '../config/load-config.ts'
import { parseGlobalFlags } from './global-flags.ts'
import type { CommandIo } from './output.ts'

/**
 * The configuration of a command that takes only the data flags (`serve`, `migrate`,
 * `config check`): defaults ← `--config` file ← `MANDATE_*` ← flags, validated by the schema.
 * A positional argument is a usage error (`ConfigurationError`).
 */
export function resolveConfig(argv: readonly string[], io: CommandIo): LoadedConfig {
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
