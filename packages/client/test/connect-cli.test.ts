// `mandate connect` used as a person would: in a real pseudo-terminal (tmux), typing commands and
// reading the screen. The person's browser is played over HTTP against a real oidc-provider.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'

import type { LinkingServer } from './support/linking-server.ts'
import { startLinkingServer } from './support/linking-server.ts'
import type { OidcMcp } from './support/oidc-mcp.ts'
import { headlessOidcUser, startOidcMcp } from './support/oidc-mcp.ts'

const fixture = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/connect-cli.ts')
const socket = `mandate-connect-${String(process.pid)}`
let tmuxAvailable = true
try {
  execFileSync('tmux', ['-V'])
} catch {
  tmuxAvailable = false
}

const tmux = (...args: string[]): string =>
  execFileSync('tmux', ['-L', socket, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
let session = 'connect'
const screen = (): string => tmux('capture-pane', '-p', '-J', '-S', '-500', '-t', session)

async function waitFor(pattern: RegExp, timeoutMs = 120_000): Promise<string> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const text = screen()
    if (pattern.test(text)) return text
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${String(pattern)}; screen:\n${text}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

const played = new Set<string>()
/** Signs in (as alice) for every authorization URL on screen not seen before. */
async function playBrowser(): Promise<number> {
  const urls = screen().match(/https?:\/\/127\.0\.0\.1:\d+\/auth\?\S+/g) ?? []
  let count = 0
  for (const raw of urls) {
    if (played.has(raw)) continue
    played.add(raw)
    const url = new URL(raw)
    const redirect = url.searchParams.get('redirect_uri') ?? ''
    const params = await headlessOidcUser(redirect).authorize({
      url,
      state: '',
      reason: 'initial',
      serverUrl: '',
    })
    await (await fetch(`${redirect}?${params.toString()}`)).text()
    count++
  }
  return count
}

async function untilScreen(pattern: RegExp, timeoutMs = 120_000): Promise<string> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    await playBrowser()
    const text = screen()
    if (pattern.test(text)) return text
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${String(pattern)}; screen:\n${text}`)
    await new Promise((resolve) => setTimeout(resolve, 150))
  }
}

let env: OidcMcp
let linkingServer: LinkingServer
let dir: string
before(async () => {
  if (!tmuxAvailable) return
  env = await startOidcMcp()
  linkingServer = await startLinkingServer()
  dir = await mkdtemp(join(tmpdir(), 'mandate-connect-'))
})
after(async () => {
  if (!tmuxAvailable) return
  try {
    tmux('kill-server')
  } catch {
    // already gone
  }
  await env.close()
  await linkingServer.close()
  await rm(dir, { recursive: true, force: true })
})

void describe(
  'mandate connect in a terminal',
  { skip: tmuxAvailable ? false : 'tmux is not installed' },
  () => {
    void test('sign in, list tools, call a tool, step up to more scopes, quit', async () => {
      const command = [
        'env -u DISPLAY -u WAYLAND_DISPLAY',
        JSON.stringify(process.execPath),
        '--conditions=@mandate/source --disable-warning=ExperimentalWarning',
        JSON.stringify(fixture),
        JSON.stringify(env.mcpUrl),
        '--no-browser --allow-loopback --store',
        JSON.stringify(join(dir, 'credentials.enc')),
      ].join(' ')
      tmux('new-session', '-d', '-s', 'connect', '-x', '220', '-y', '60', command)

      const first = await waitFor(/Open this URL in your browser:/)
      assert.match(first, /sign-in needed \(first connection\)/)
      assert.match(first, /waiting for you to finish in the browser/)

      const connected = await untilScreen(/mandate> $/m)
      assert.match(connected, /authorized/)
      assert.match(connected, /connected to oidc-mcp/)
      assert.match(connected, /^\s+read\s+reads$/m)
      assert.match(connected, /^\s+write\s+writes$/m)

      tmux('send-keys', '-t', 'connect', '-l', 'call read {}')
      tmux('send-keys', '-t', 'connect', 'Enter')
      await untilScreen(/read by alice/)

      tmux('send-keys', '-t', 'connect', '-l', 'call nope {bad json')
      tmux('send-keys', '-t', 'connect', 'Enter')
      await untilScreen(/arguments are not valid JSON/)

      tmux('send-keys', '-t', 'connect', '-l', 'call write {}')
      tmux('send-keys', '-t', 'connect', 'Enter')
      const stepped = await untilScreen(/^written$/m)
      assert.match(stepped, /the server needs more: insufficient_scope/)
      assert.match(stepped, /sign-in needed \(more permissions\)/)

      tmux('send-keys', '-t', 'connect', '-l', 'quit')
      tmux('send-keys', '-t', 'connect', 'Enter')
      const deadline = Date.now() + 120_000
      for (;;) {
        try {
          tmux('has-session', '-t', 'connect')
        } catch {
          break
        }
        if (Date.now() > deadline) assert.fail('connect did not exit')
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    })

    void test('quit while the sign-in is still waiting leaves at once, and nothing keeps it alive', async () => {
      session = 'quit'
      const command = [
        'env -u DISPLAY -u WAYLAND_DISPLAY',
        JSON.stringify(process.execPath),
        '--conditions=@mandate/source --disable-warning=ExperimentalWarning',
        JSON.stringify(fixture),
        JSON.stringify(env.mcpUrl),
        '--no-browser --allow-loopback --store memory',
        // The pane stays after exit so the exit status can be read.
        '; echo "exited with $?"; sleep 600',
      ].join(' ')
      tmux('new-session', '-d', '-s', 'quit', '-x', '220', '-y', '60', command)
      const waiting = await waitFor(/waiting for you to finish in the browser/)
      assert.match(waiting, /Open this URL in your browser:/)
      tmux('send-keys', '-t', 'quit', '-l', 'quit')
      tmux('send-keys', '-t', 'quit', 'Enter')
      // The sign-in limit is 5 minutes: this only stops a hang.
      const done = await waitFor(/^exited with (\d+)$/m, 60_000)
      assert.match(done, /^exited with 0$/m)
      assert.doesNotMatch(done, /Request timed out|error:/)
      tmux('kill-session', '-t', 'quit')
    })

    void test('URL elicitation: the consent prompt shows server, message and link; the call is retried', async () => {
      session = 'elicit'
      const command = [
        'env -u DISPLAY -u WAYLAND_DISPLAY',
        JSON.stringify(process.execPath),
        '--conditions=@mandate/source --disable-warning=ExperimentalWarning',
        JSON.stringify(fixture),
        JSON.stringify(`${linkingServer.origin}/mcp`),
        '--no-browser --allow-loopback --store memory',
      ].join(' ')
      tmux('new-session', '-d', '-s', 'elicit', '-x', '220', '-y', '60', command)
      await waitFor(/mandate> $/m)
      tmux('send-keys', '-t', 'elicit', '-l', 'call repos')
      tmux('send-keys', '-t', 'elicit', 'Enter')
      const prompt = await waitFor(/Open this link in your browser\? \[y\/N\] $/m)
      assert.match(prompt, /asks you to open a link/)
      assert.match(prompt, /message: Link your GitHub account/)
      assert.match(prompt, /link: {4}http:\/\/127\.0\.0\.1:\d+\/connect\/[\w-]+$/m)
      assert.match(prompt, /warning: the link is not https/)
      tmux('send-keys', '-t', 'elicit', '-l', 'y')
      tmux('send-keys', '-t', 'elicit', 'Enter')
      const shown = await waitFor(/Open this link yourself: (\S+)/)
      const link = /Open this link yourself: (\S+)/.exec(shown)?.[1] ?? ''
      assert.ok(link.startsWith(`${linkingServer.origin}/connect/`))
      await (await fetch(link)).text()
      const done = await waitFor(/^repo-a, repo-b$/m)
      assert.match(done, /waiting for the server to confirm the browser step/)
      tmux('send-keys', '-t', 'elicit', '-l', 'quit')
      tmux('send-keys', '-t', 'elicit', 'Enter')
    })
  },
)
