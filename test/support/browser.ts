// Debian's Chromium for browser tests (Playwright drives it; no downloaded browser). Under CI
// it must be there (.ci/run installs it); elsewhere its absence skips the browser tests.
import { existsSync } from 'node:fs'

export const CHROMIUM = '/usr/bin/chromium'

/** Flags for a headless, quiet Chromium on a machine with no network but loopback. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** A skip reason, or false when the browser tests should run. Throws under CI if missing. */
export function chromiumSkipReason(): string | false {
  if (existsSync(CHROMIUM)) return false
  if (process.env['CI'] !== undefined && process.env['CI'] !== '') {
    throw new Error(`${CHROMIUM} is required under CI (apt-get install chromium)`)
  }
  return `${CHROMIUM} is not installed`
}
