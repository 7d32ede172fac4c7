import { readFileSync } from 'node:fs'
import type * as z from 'zod'
import { ConfigurationError } from '@mandate/core'
import { setPath } from './paths.ts'
import { configSchema } from './schema.ts'
import type { MandateConfig } from './schema.ts'
import { OTHER_VARIABLE_PREFIXES, OTHER_VARIABLES, SETTINGS } from './settings.ts'
import type { Setting } from './settings.ts'

/** Where configuration comes from, lowest precedence first: the file, the environment, flags. */
export interface ConfigSources {
  /** Path of a JSON configuration file, if any (from `--config` or MANDATE_CONFIG). */
  file?: string
  env: Readonly<Record<string, string | undefined>>
  /** Parsed CLI flags, by flag name (`port`, `data-dir`, …). */
  flags: Readonly<Record<string, string | undefined>>
}

/** A validated configuration and where each value that is not a default came from. */
export interface LoadedConfig {
  config: MandateConfig
  /** Where each set path came from: `file`, an env variable name, or `--flag`. */
  origins: ReadonlyMap<string, string>
}

/**
 * Resolves the configuration: defaults, then the file, then MANDATE_* variables, then flags
 * (each overrides the one before), validated against the schema.
 * @throws ConfigurationError naming the key, what is wrong and where the value came from.
 *
 * @example
 * ```ts
 * const { config, origins } = loadConfig({
 *   file: 'mandate.json',
 *   env: process.env,
 *   flags: { port: '8080' },
 * })
 * ```
 */
export function loadConfig(sources: ConfigSources): LoadedConfig {
  const origins = new Map<string, string>()
  const input: Record<string, unknown> = {}
  const configFile = sources.file ?? sources.env['MANDATE_CONFIG']
  if (configFile !== undefined && configFile !== '') {
    const content = readConfigFile(configFile)
    Object.assign(input, content)
    for (const path of leafPaths(content)) origins.set(path, configFile)
  }
  rejectUnknownVariables(sources.env)
  for (const setting of SETTINGS) {
    const value = sources.env[setting.env]
    if (value !== undefined && value !== '') apply(input, origins, setting, value, setting.env)
  }
  for (const setting of SETTINGS) {
    const value = sources.flags[setting.flag]
    if (value !== undefined) apply(input, origins, setting, value, `--${setting.flag}`)
  }
  const parsed = configSchema.safeParse(input)
  if (!parsed.success) throw toConfigurationError(parsed.error, origins)
  return { config: parsed.data, origins }
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new ConfigurationError(
      'config',
      `cannot read configuration file ${path}: ${(error as Error).message}`,
    )
  }
  let content: unknown
  try {
    content = JSON.parse(text)
  } catch (error) {
    throw new ConfigurationError(
      'config',
      `configuration file ${path} is not valid JSON: ${(error as Error).message}`,
    )
  }
  if (typeof content !== 'object' || content === null || Array.isArray(content)) {
    throw new ConfigurationError('config', `configuration file ${path} must hold a JSON object`)
  }
  return content as Record<string, unknown>
}

function rejectUnknownVariables(env: Readonly<Record<string, string | undefined>>): void {
  const known = new Set([...SETTINGS.map((s) => s.env as string), ...OTHER_VARIABLES])
  for (const name of Object.keys(env)) {
    if (!name.startsWith('MANDATE_') || known.has(name)) continue
    if (OTHER_VARIABLE_PREFIXES.some((prefix) => name.startsWith(prefix))) continue
    throw new ConfigurationError(
      name,
      `unknown environment variable ${name}; see docs/configuration.md`,
    )
  }
}

const BOOLEANS = new Map([
  ['true', true],
  ['1', true],
  ['false', false],
  ['0', false],
])

function apply(
  input: Record<string, unknown>,
  origins: Map<string, string>,
  setting: Setting,
  raw: string,
  origin: string,
): void {
  let value: unknown = raw
  if (setting.kind === 'integer') {
    value = /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw
  } else if (setting.kind === 'boolean') {
    value = BOOLEANS.get(raw.trim()) ?? raw
  }
  setPath(input, setting.path, value)
  origins.set(setting.path, origin)
}

function toConfigurationError(
  error: z.ZodError,
  origins: ReadonlyMap<string, string>,
): ConfigurationError {
  const [issue] = error.issues
  if (issue === undefined) return new ConfigurationError('config', 'invalid configuration')
  const path = issue.path.map(String).join('.')
  if (issue.code === 'unrecognized_keys') {
    const key = [path, issue.keys[0]].filter(Boolean).join('.')
    return new ConfigurationError(
      key,
      `unknown configuration key "${key}"; see docs/configuration.md`,
    )
  }
  const origin = origins.get(path)
  return new ConfigurationError(
    path,
    `${path}: ${issue.message}${origin === undefined ? '' : ` (from ${origin})`}`,
  )
}

function leafPaths(value: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(value).flatMap(([key, child]) =>
    typeof child === 'object' && child !== null && !Array.isArray(child)
      ? leafPaths(child as Record<string, unknown>, `${prefix}${key}.`)
      : [`${prefix}${key}`],
  )
}
