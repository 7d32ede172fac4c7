import { parseArgs } from 'node:util'
import type { ParseArgsOptionsConfig } from 'node:util'
import { ConfigurationError } from '@mandate/core'
import { SETTINGS } from '../config/settings.ts'
import { closest } from './suggest.ts'

/** The flags every data command accepts (`--config`, one per setting, `--help`), parsed. */
export interface GlobalFlags {
  /** Values of setting flags, by flag name. */
  settings: Record<string, string | undefined>
  config: string | undefined
  help: boolean
  positionals: string[]
  /** Every parsed value, including the command's own options. */
  values: Record<string, string | boolean | undefined>
}

const OPTIONS: ParseArgsOptionsConfig = {
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  ...Object.fromEntries(SETTINGS.map((setting) => [setting.flag, { type: 'string' as const }])),
}

/** node:util's first line, plus the flag probably meant when one is unknown. */
function flagError(error: Error, options: ParseArgsOptionsConfig): string {
  const first = error.message.split('\n')[0] ?? 'bad flags'
  const unknown = /^Unknown option '--?([^']+)'/.exec(first)?.[1]
  if (unknown === undefined) return first
  const known = Object.keys(options)
  const meant = closest(unknown.split('=')[0] ?? unknown, known)
  return meant === undefined
    ? `unknown flag "--${unknown}"; see --help`
    : `unknown flag "--${unknown}"; did you mean "--${meant}"?`
}

/**
 * Parses the flags every data command accepts, plus the command's own `extra` options; an
 * unknown flag is a usage error.
 */
export function parseGlobalFlags(
  argv: readonly string[],
  extra: ParseArgsOptionsConfig = {},
): GlobalFlags {
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...OPTIONS, ...extra },
      allowPositionals: true,
      strict: true,
    })
  } catch (error) {
    throw new ConfigurationError('flags', flagError(error as Error, { ...OPTIONS, ...extra }))
  }
  const values = parsed.values as Record<string, string | boolean | undefined>
  const settings: Record<string, string | undefined> = {}
  for (const setting of SETTINGS) {
    const value = values[setting.flag]
    if (typeof value === 'string') settings[setting.flag] = value
  }
  return {
    settings,
    config: typeof values['config'] === 'string' ? values['config'] : undefined,
    help: values['help'] === true,
    positionals: parsed.positionals,
    values,
  }
}
