import { spawn } from 'node:child_process'

import { ClientError } from '../errors.ts'
import { assertSafeBrowserUrl } from './assert-safe-browser-url.ts'
import type { SafeBrowserUrlOptions } from './assert-safe-browser-url.ts'

/** How a program is launched: an argv vector, never a shell string. */
export type LaunchProgram = (command: string, args: readonly string[]) => Promise<void>

/** How {@link openInBrowser} launches the browser, and which URLs it accepts. */
export interface OpenInBrowserOptions extends SafeBrowserUrlOptions {
  /** Replaces the platform launcher (tests, hosts with their own browser integration). */
  launch?: LaunchProgram
  /** Defaults to `process.platform`. */
  platform?: NodeJS.Platform
}

/**
 * Opens `url` in the system browser. The URL is validated first (catalogue #159) and passed as a
 * single argv element to the platform opener with `shell: false`, after `--` where the opener
 * accepts it, so it can neither be interpreted by a shell nor read as a flag. Nothing fetches the
 * URL beforehand (MCP elicitation "Safe URL Handling": no pre-fetching).
 */
export async function openInBrowser(
  raw: string | URL,
  options: OpenInBrowserOptions = {},
): Promise<void> {
  const url = assertSafeBrowserUrl(raw, options)
  const [command, args] = opener(options.platform ?? process.platform, url.href)
  await (options.launch ?? launchDetached)(command, args)
}

function opener(platform: NodeJS.Platform, href: string): [string, string[]] {
  if (platform === 'darwin') return ['open', ['--', href]]
  // rundll32 hands the URL to the registered protocol handler without cmd.exe or PowerShell.
  if (platform === 'win32') return ['rundll32', ['url.dll,FileProtocolHandler', href]]
  return ['xdg-open', [href]]
}

async function launchDetached(command: string, args: readonly string[]): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, { shell: false, stdio: 'ignore', detached: true })
    child.once('error', (error) => {
      reject(new ClientError('ERR_CLIENT_BROWSER', 'could not start the browser', { cause: error }))
    })
    child.once('spawn', () => {
      child.unref()
      resolve()
    })
  })
}
