// `mandate connect --no-browser` (a real child process, stdin/stdout pipes) against a real
// `mandate serve`: the printed sign-in URL is followed in Chromium, tools are listed, the write
// tool works at once (the 401 asked for read and write), and a call that needs MFA prints a
// second URL (step-up) and then succeeds.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { spawnCli } from '../support/cli.ts'
import type { MandateProcess } from './support/mandate-e2e.ts'
import { addUsers, BrowserUser, chromiumSkip, startServe, tempDir } from './support/mandate-e2e.ts'

void describe('mandate connect against mandate serve', { skip: chromiumSkip }, () => {
  const dir = tempDir('mandate-e2e-connect-')
  let serve: MandateProcess
  const user = new BrowserUser('quinn')

  before(async () => {
    const dataDir = ['--data-dir', dir.path]
    await addUsers(dataDir, ['quinn'])
    serve = await startServe(dataDir)
    await user.open()
  })
  after(async () => {
    await user.close()
    await serve.stop()
    dir.remove()
  })

  it('signs in through the printed URL, lists tools, creates a note, steps up for MFA', async () => {
    const child = spawnCli(
      ['connect', serve.mcpUrl, '--no-browser', '--store', 'memory', '--allow-loopback'],
      { env: { DISPLAY: undefined, WAYLAND_DISPLAY: undefined } },
    )
    let out = ''
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
    child.stderr?.resume()
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    const waitFor = async (pattern: RegExp, from = 0): Promise<RegExpExecArray> => {
      const deadline = Date.now() + 120_000
      for (;;) {
        const match = pattern.exec(out.slice(from))
        if (match !== null) return match
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`mandate connect did not print ${String(pattern)}`)
        }
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
    const followPrintedUrl = async (from: number) => {
      const [, href = ''] = await waitFor(/Open this URL in your browser:\n\s+(\S+)\n/, from)
      const url = new URL(href)
      await user.authorize(url, url.searchParams.get('redirect_uri') ?? '')
    }
    try {
      await followPrintedUrl(0)
      await waitFor(/Type "help" for commands\./)
      assert.match(out, /list_notes/)
      child.stdin?.write('call create_note {"title":"from the terminal","body":"hi"}\n')
      await waitFor(/from the terminal/)
      const mark = out.length
      child.stdin?.write('call delete_all_notes {}\n')
      await followPrintedUrl(mark)
      await waitFor(/deleted 1 notes/, mark)
      child.stdin?.write('quit\n')
      assert.equal(await exited, 0)
      assert.equal(user.pages.length, 2)
      assert.deepEqual(user.pages[0], ['Sign in', 'Allow access?'])
      assert.ok(user.pages[1]?.includes('Set up a second factor'), user.pages[1]?.join(' | '))
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  })
})
