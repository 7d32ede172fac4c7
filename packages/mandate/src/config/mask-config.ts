import { REDACTED, redact } from '@mandate/core'
import type { MandateConfig } from './schema.ts'
import { updatePath } from './paths.ts'
import { SETTINGS } from './settings.ts'

/** The resolved configuration as `mandate config check` prints it: secrets masked. */
export function maskConfig(config: MandateConfig): unknown {
  const copy = structuredClone(config) as Record<string, unknown>
  for (const setting of SETTINGS.filter((s) => s.secret === true)) {
    updatePath(copy, setting.path, (value) =>
      typeof value === 'string' ? maskUrlPassword(value) : value,
    )
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
