import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { spawnCli, waitForListening } from '../../../test/support/cli.ts'

// What a person meets first: the page at `/` and what `mandate serve` prints while starting.
void describe('mandate serve: landing page and a quiet start', () => {
  const dirs: string[] = []
  const children: ChildProcess[] = []
  after(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  })

  async function serve(extra: string[] = []) {
    const dir = mkdtempSync(join(tmpdir(), 'mandate-landing-'))
    dirs.push(dir)
    const child = spawnCli(['serve', '--port', '0', '--data-dir', dir, ...extra])
    children.push(child)
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const { url } = await waitForListening(child)
    return { url, output: () => stderr }
  }

  void it('/ says what the server is and where to go, with a strict CSP', async () => {
    const { url } = await serve()
    const response = await fetch(url)
    assert.equal(response.status, 200)
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/)
    const csp = response.headers.get('content-security-policy') ?? ''
    assert.match(csp, /default-src 'none'/)
    // The one policy of every page (docs/pages.md): scripts and styles from our origin only.
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/)
    assert.match(csp, /script-src 'self';/)
    const page = await response.text()
    assert.match(page, /<h1>Mandate<\/h1>/)
    assert.match(page, new RegExp(`href="${new URL('/account', url).href}"`))
    assert.ok(page.includes(new URL('/mcp', url).href), 'names the demo MCP endpoint')
    assert.doesNotMatch(page, /<script(?![^>]*\ssrc=)|<style|\sstyle=/)
  })

  void it('without the demo, / names no demo endpoint (control)', async () => {
    const { url } = await serve(['--demo', 'false'])
    const page = await (await fetch(url)).text()
    assert.match(page, /<h1>Mandate<\/h1>/)
    assert.ok(!page.includes(new URL('/mcp', url).href))
  })

  void it('the demo provider prints no development-only warnings at start', async () => {
    const { url, output } = await serve()
    // Warnings would come as the demo provider starts, which happens before the banner.
    assert.equal((await fetch(new URL('/healthz', url))).status, 200)
    assert.doesNotMatch(output(), /WARNING|development-only/)
    assert.match(output(), /demo\s+MCP server/)
  })
})
