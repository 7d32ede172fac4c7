// `mandate connect` run twice in a row against a real `mandate serve`, with the default
// credential store and DPoP on (the defaults): the second run needs no browser. A third run
// whose tokens were dropped signs in again on a new loopback port with the stored client id
// (RFC 8252 §7.3 at the AS) instead of failing with invalid_redirect_uri.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createEncryptedFileStore } from '@mandate/client'
import { spawnCli } from '../support/cli.ts'
import type { MandateProcess } from './support/mandate-e2e.ts'
import { addUsers, BrowserUser, chromiumSkip, startServe, tempDir } from './support/mandate-e2e.ts'

void describe('mandate connect, second run', { skip: chromiumSkip }, () => {
  const dir = tempDir('mandate-e2e-connect-twice-')
  const config = tempDir('mandate-e2e-connect-config-')
  let serve: MandateProcess
  const user = new BrowserUser('rosa')

  before(async () => {
    const dataDir = ['--data-dir', dir.path]
    await addUsers(dataDir, ['rosa'])
    serve = await startServe(dataDir)
    await user.open()
  })
  after(async () => {
    await user.close()
    await serve.stop()
    dir.remove()
    config.remove()
  })

  /** One `mandate connect` session: optional browser sign-in, one tool call, quit. */
  const session = async (): Promise<{ out: string; signedIn: boolean }> => {
    const child = spawnCli(['connect', serve.mcpUrl, '--no-browser', '--allow-loopback'], {
      env: { DISPLAY: undefined, WAYLAND_DISPLAY: undefined, XDG_CONFIG_HOME: config.path },
    })
    let out = ''
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
    child.stderr?.resume()
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    const waitFor = async (pattern: RegExp): Promise<RegExpExecArray> => {
      const deadline = Date.now() + 60_000
      for (;;) {
        const match = pattern.exec(out)
        if (match !== null) return match
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`mandate connect did not print ${String(pattern)}:\n${out}`)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
    try {
      const first = await waitFor(/Open this URL in your browser:\n\s+(\S+)\n|Type "help"/)
      const signedIn = first[1] !== undefined
      if (first[1] !== undefined) {
        const url = new URL(first[1])
        await user.authorize(url, url.searchParams.get('redirect_uri') ?? '')
        await waitFor(/Type "help" for commands\./)
      }
      child.stdin?.write('call list_notes {}\n')
      await waitFor(/mandate> [^\n]*\n[\s\S]*mandate> $/)
      child.stdin?.write('quit\n')
      assert.equal(await exited, 0)
      return { out, signedIn }
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  }

  it('the second run reuses the stored DPoP-bound tokens; no browser', async () => {
    const store = createEncryptedFileStore({
      path: join(config.path, 'mandate', 'client-credentials.enc'),
    })
    const serverKey = serve.mcpUrl

    const first = await session()
    assert.equal(first.signedIn, true)
    // `mandate connect` offers 2026-07-28 (version negotiation), which `mandate serve` speaks.
    assert.match(first.out, /connected to .*\(MCP 2026-07-28\)/)
    assert.doesNotMatch(first.out, /error:/)
    const saved = await store.load(serverKey)
    assert.ok(saved !== undefined)
    const issuer = saved.latestIssuer ?? ''
    assert.equal(saved.tokens[issuer]?.token_type, 'DPoP')

    const second = await session()
    assert.equal(second.signedIn, false, 'the second run needs no browser')
    assert.doesNotMatch(second.out, /Open this URL|error:/)
    assert.match(second.out, /connected to /)
    assert.ok(saved.dpopPrivateJwk !== undefined, 'the DPoP key is kept in the store')

    // Tokens gone, registration kept: the stored client id signs in again on a new port.
    const clientId = saved.clients[issuer]?.client_id
    assert.ok(clientId !== undefined)
    const kept = await store.load(serverKey)
    assert.ok(kept !== undefined)
    await store.save(serverKey, { ...kept, tokens: {} })
    const third = await session()
    assert.equal(third.signedIn, true)
    assert.doesNotMatch(third.out, /error:|invalid_redirect_uri/)
    assert.equal((await store.load(serverKey))?.clients[issuer]?.client_id, clientId)
    assert.deepEqual(user.pages.at(-1), ['Allow access?'])
  })
})
