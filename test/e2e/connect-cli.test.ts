// `mandate connect --no-browser` (a real child process, stdin/stdout pipes) against a real
// `mandate serve`: the printed sign-in URL is followed in Chromium, tools are listed, and a
// call that needs a wider scope prints a second URL (step-up) and then succeeds.
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

  it('signs in through the printed URL, lists tools, steps up for create_note', async () => {
    const child = spawnCli(
      ['connect', serve.mcpUrl, '--no-browser', '--store', 'memory', '--allow-loopback'],
      { env: { DISPLAY: undefined, WAYLAND_DISPLAY: undefined } },
    )
    let out = ''
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
    child.stderr?.resume()
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    const waitFor = async (pattern: RegExp, from = 0): Promise<RegExpExecArray> => {
      const deadline = Date.now() + 30_000
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
      const mark = out.length
      child.stdin?.write('call create_note {"title":"from the terminal","body":"hi"}\n')
      await followPrintedUrl(mark)
      await waitFor(/from the terminal/, mark)
      child.stdin?.write('quit\n')
      assert.equal(await exited, 0)
      assert.deepEqual(user.pages, [['Sign in', 'Allow access?'], ['Allow access?']])
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  })
})
