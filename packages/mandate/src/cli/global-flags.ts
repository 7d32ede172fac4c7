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
 * An argument with one leading "-" that is no short flag is a positional: a grant id is
 * base64url and may start with "-", and `grants revoke <id>` must take it as `grants list`
 * printed it. Such arguments go after a "--" (with every positional after the first of them,
 * so positionals keep their order); flags and their values stay in front.
 */
function dashedPositionalsLast(argv: readonly string[], options: ParseArgsOptionsConfig): string[] {
  const shorts = new Set(Object.values(options).map((option) => option.short))
  const flags: string[] = []
  const positionals: string[] = []
  let dashed = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1))
      break
    }
    const long = arg.startsWith('--')
    if (long || (arg.length === 2 && arg.startsWith('-') && shorts.has(arg.slice(1)))) {
      flags.push(arg)
      const takesValue = long && !arg.includes('=') && options[arg.slice(2)]?.type === 'string'
      if (takesValue && i + 1 < argv.length) flags.push(argv[++i] ?? '')
    } else {
      dashed ||= arg.length > 1 && arg.startsWith('-')
      positionals.push(arg)
    }
  }
  return dashed ? [...flags, '--', ...positionals] : [...argv]
}

/**
 * Parses the flags every data command accepts, plus the command's own `extra` options; an
 * unknown flag is a usage error.
 */
export function parseGlobalFlags(
  argv: readonly string[],
  extra: ParseArgsOptionsConfig = {},
): GlobalFlags {
  const options = { ...OPTIONS, ...extra }
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({
      args: dashedPositionalsLast(argv, options),
      options,
      allowPositionals: true,
      strict: true,
    })
  } catch (error) {
    throw new ConfigurationError('flags', flagError(error as Error, options))
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
