// Browser and client helpers for the linking tests: Debian's Chromium through playwright-core
// (JavaScript off: the connect pages need none) and an SDK v2 client with a static token.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import type { BrowserContext, Page } from 'playwright-core'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { recordingFetch } from '../../../../test/support/recording-fetch.ts'
import type { LinkingEnv } from './linking-env.ts'
import { CHROMIUM, CHROMIUM_ARGS, chromiumSkipReason } from '../../../../test/support/browser.ts'
export { CHROMIUM } from '../../../../test/support/browser.ts'

export const SHOTS = join(process.cwd(), 'test-results', 'server-linking')
export const browserSkip = chromiumSkipReason()

export async function newBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'mandate-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    javaScriptEnabled: false,
    args: CHROMIUM_ARGS,
  })
  return {
    context,
    async close() {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

/**
 * A screenshot for the CI artefacts, taken once the page has loaded. Chromium sometimes refuses
 * a capture mid-navigation under load; a picture is not what the tests assert, so one retry and
 * then none.
 */
async function snapshot(page: Page, name: string): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await page.waitForLoadState()
      await page.screenshot({ path: join(SHOTS, name) })
      return
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
}

/** The user opens a connect URL: signs in as `user` if asked, confirms, lands on the result. */
export async function openConnectLink(
  context: BrowserContext,
  url: string,
  user: string,
  shot?: string,
): Promise<string> {
  const page = await context.newPage()
  try {
    await page.goto(url)
    if ((await page.title()) === 'Sign in') {
      await page.fill('input[name=user]', user)
      await page.click('button[type=submit]')
    }
    const heading = await page.textContent('h1')
    if (heading?.startsWith('Connect ') !== true)
      return `${heading ?? ''}: ${(await page.textContent('p')) ?? ''}`
    if (shot !== undefined) await snapshot(page, `${shot}-confirm.png`)
    await page.click('button[value=allow]')
    // The shipped demo provider asks for consent itself (the test providers approve alone).
    if ((await page.textContent('h1')) === 'Demo Calendar') {
      if (shot !== undefined) await snapshot(page, `${shot}-provider.png`)
      await page.click('button[value=allow]')
    }
    if (shot !== undefined) await snapshot(page, `${shot}-done.png`)
    return `${(await page.textContent('h1')) ?? ''}: ${(await page.textContent('p')) ?? ''}`
  } finally {
    await page.close()
  }
}

export async function connectClient(
  env: LinkingEnv,
  sub: string,
  modern: boolean,
  urlElicitation: boolean,
  onUrl?: (url: string) => Promise<void>,
  responses?: string[],
): Promise<Client> {
  const token = await env.token(sub)
  const transport = new StreamableHTTPClientTransport(new URL(env.resource), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
    // Every byte the server sends to the client, to check no third-party token is among them.
    ...(responses === undefined ? {} : { fetch: recordingFetch(fetch, responses) }),
  })
  const client = new Client(
    { name: 'linking-test', version: '1.0.0' },
    {
      capabilities: urlElicitation ? { elicitation: { url: {} } } : {},
      ...(modern ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {}),
    },
  )
  if (urlElicitation) {
    client.setRequestHandler('elicitation/create', async (request) => {
      const params = request.params as { mode?: string; url?: string }
      assert.equal(params.mode, 'url')
      await onUrl?.(params.url ?? '')
      return { action: 'accept' }
    })
  }
  await client.connect(transport)
  return client
}

export const text = (result: unknown): string =>
  (result as { content?: { text?: string }[] }).content?.[0]?.text ?? ''
export const linkIn = (message: string): string[] =>
  [...message.matchAll(/https?:\/\/\S+\/connect\/[A-Za-z0-9_-]{43}/g)].map((m) => m[0])
