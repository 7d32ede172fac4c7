// The whole product as a user meets it: `mandate serve` as a real process, users added with
// `mandate users add` (its `main`, in the test's process: packages/mandate/test runs the command
// itself), and a person in Debian's Chromium (playwright-core) who signs in,
// enrols and enters TOTP codes, and consents. Shared by the test/e2e files.
import type { ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import type { BrowserContext, Page } from 'playwright-core'
import { collect, runCliInProcess, spawnCli, waitForListening } from '../../support/cli.ts'
import { currentStep, totpAt } from '../../../packages/authorization-server/src/mfa/totp.ts'
import { CHROMIUM, CHROMIUM_ARGS, chromiumSkipReason } from '../../support/browser.ts'
export { CHROMIUM } from '../../support/browser.ts'

export const chromiumSkip = chromiumSkipReason()
export const SHOTS = join(process.cwd(), 'test-results', 'e2e')
export const PASSWORD = 'correct horse battery staple'
const SECRET_PAGES = new Set(['Set up a second factor', 'Save your recovery codes'])

export interface MandateProcess {
  url: URL
  mcpUrl: string
  child: ChildProcess
  /** Everything the process printed so far (stdout and stderr), for secret checks. */
  output(): string
  stop(): Promise<void>
}

/** Adds users with `mandate users add <name>` (password on standard input). */
export async function addUsers(args: readonly string[], names: readonly string[]): Promise<void> {
  for (const name of names) {
    const added = await runCliInProcess(['users', 'add', name, ...args], {
      stdin: `${PASSWORD}\n`,
    })
    if (added.code !== 0) throw new Error(`users add ${name} failed: ${added.stderr}`)
  }
}

/** Spawns `mandate serve --port 0` with the given storage arguments and waits for its banner. */
export async function startServe(
  args: readonly string[],
  options: { env?: Record<string, string> } = {},
): Promise<MandateProcess> {
  const child = spawnCli(
    ['serve', '--port', '0', ...args],
    options.env === undefined ? {} : { env: options.env },
  )
  // Keep stdout (JSON log lines) and stderr: draining them also keeps the pipes from filling.
  let output = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  const { url } = await waitForListening(child)
  return {
    url,
    mcpUrl: new URL('/mcp', url).href,
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null) return
      const exited = collect(child, { timeoutMs: 120_000 })
      child.kill('SIGTERM')
      await exited
    },
  }
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix))
  return {
    path,
    remove: () => {
      rmSync(path, { recursive: true, force: true })
    },
  }
}

/**
 * The person at the browser: plays whatever page the authorization server shows (sign in,
 * TOTP enrolment, recovery codes, TOTP code, consent) until the browser reaches the client's
 * redirect URI. What it saw is kept in `pages` for assertions.
 */
export class BrowserUser {
  readonly pages: string[][] = []
  totpSecret: string | undefined
  /** Scopes to untick on the next consent page only. */
  untick: string[] = []
  private lastStep = 0
  private context: BrowserContext | undefined
  private profile: string | undefined
  readonly username: string
  private readonly shots: string

  constructor(username: string, shots = SHOTS) {
    this.username = username
    this.shots = shots
  }

  async open(): Promise<void> {
    mkdirSync(this.shots, { recursive: true })
    this.profile = mkdtempSync(join(tmpdir(), 'mandate-e2e-chromium-'))
    this.context = await chromium.launchPersistentContext(this.profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    })
  }

  async close(): Promise<void> {
    await this.context?.close()
    if (this.profile !== undefined) rmSync(this.profile, { recursive: true, force: true })
  }

  /** A fresh page in the same profile (same cookies: the AS session persists). */
  async newPage(): Promise<Page> {
    if (this.context === undefined) throw new Error('browser not open')
    return this.context.newPage()
  }

  /** Follows an authorization URL through the AS pages to `redirectUrl`. */
  async authorize(url: URL, redirectUrl: string): Promise<void> {
    const page = await this.newPage()
    const seen: string[] = []
    this.pages.push(seen)
    try {
      await page.goto(url.href)
      for (let i = 0; i < 12; i++) {
        if (page.url().startsWith(redirectUrl)) return
        const heading = ((await page.locator('h1').first().textContent()) ?? '').trim()
        seen.push(heading)
        // Not the pages that show a TOTP secret or recovery codes: screenshots are CI artefacts.
        if (!SECRET_PAGES.has(heading)) {
          await page.screenshot({
            path: join(
              this.shots,
              `${this.username}-${String(this.pages.length)}-${String(i)}.png`,
            ),
            fullPage: true,
          })
        }
        await this.play(page, heading)
        await page.waitForLoadState()
      }
      throw new Error(`browser did not reach the redirect URI; pages: ${seen.join(' | ')}`)
    } finally {
      await page.close()
    }
  }

  private async play(page: Page, heading: string): Promise<void> {
    const submit = async (name: string) => {
      // Every form post answers 303; the next page (or the redirect URI) commits a navigation.
      await Promise.all([
        page.waitForEvent('framenavigated'),
        page.getByRole('button', { name, exact: true }).click(),
      ])
    }
    switch (heading) {
      case 'Sign in':
        await page.getByLabel('Username').fill(this.username)
        await page.getByLabel('Password').fill(PASSWORD)
        return submit('Sign in')
      case 'Set up a second factor':
        this.totpSecret = (await page.getByTestId('totp-secret').textContent())?.trim()
        await page.getByLabel('6-digit code').fill(await this.nextCode())
        return submit('Confirm')
      case 'Save your recovery codes':
        return submit('I saved them, continue')
      case 'Enter your code':
        await page.getByLabel(/6-digit code/).fill(await this.nextCode())
        return submit('Verify')
      case 'Allow access?': {
        for (const scope of this.untick) {
          // By the checkbox's value ("<resource> <scope>"): the label is the scope's description.
          await page.locator(`input[name=scope][value$=" ${scope}"]`).uncheck()
        }
        this.untick = []
        return submit('Allow')
      }
      default:
        throw new Error(`unexpected page: ${heading}`)
    }
  }

  /**
   * A valid code for a step not used yet: each step is accepted once (RFC 6238 §5.2) and the
   * AS allows ±1 step, so the next step is used when the current one was, else we wait.
   */
  private async nextCode(): Promise<string> {
    const secret = this.totpSecret
    if (secret === undefined) throw new Error('no TOTP secret enrolled')
    for (;;) {
      const now = currentStep()
      const step = Math.max(now, this.lastStep + 1)
      if (step <= now + 1) {
        this.lastStep = step
        return totpAt(secret, step)
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000))
    }
  }
}
