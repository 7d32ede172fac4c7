import { REDACTED, redact } from '@mandate/core'
import type { MandateConfig } from './schema.ts'
import { SETTINGS } from './settings.ts'

/** The resolved configuration as `mandate config check` prints it: secrets masked. */
export function maskConfig(config: MandateConfig): unknown {
  const copy = structuredClone(config) as Record<string, unknown>
  for (const setting of SETTINGS.filter((s) => s.secret === true)) {
    const keys = setting.path.split('.')
    let target: Record<string, unknown> | undefined = copy
    for (const key of keys.slice(0, -1))
      target = target?.[key] as Record<string, unknown> | undefined
    const leaf = keys.at(-1)!
    const value = target?.[leaf]
    if (target !== undefined && typeof value === 'string') target[leaf] = maskUrlPassword(value)
  }
  return redact(copy)
}

/** A URL keeps its shape but not its password: an operator can still see which server. */
function maskUrlPassword(value: string): string {
  try {
    const url = new URL(value)
    if (url.password !== '') url.password = REDACTED
    return url.toString()
  } catch {
    return REDACTED
  }
}
