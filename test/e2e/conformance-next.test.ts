// The newest MCP conformance prerelease (@modelcontextprotocol/conformance 0.2.0-alpha.12,
// installed as `conformance-next`, issue 17) beside 0.1.16: every server scenario against
// test/conformance/server, and the authorization-server scenarios against a live `mandate serve`
// (the client scenarios: conformance-next-client-{1,2,3}.test.ts). Expected failures, each with its
// reason: test/conformance/expected-failures-next.yaml.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import {
  BrowserAgent,
  checkboxValues,
  parseForm,
} from '../../packages/authorization-server/test/support/browser-agent.ts'
import { baseline, conformance, root, summary } from './support/conformance-harness.ts'
import { addUsers, PASSWORD, startServe, tempDir } from './support/mandate-e2e.ts'

void describe('MCP conformance 0.2.0-alpha.12', () => {
  void it('every server scenario passes, except the baseline', { timeout: 600_000 }, async (t) => {
    const server = spawn(
      process.execPath,
      [
        '--conditions=@mandate/source',
        '--disable-warning=ExperimentalWarning',
        join(root, 'test/conformance/start-conformance-server.ts'),
        '0',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    t.after(async () => {
      if (server.exitCode !== null) return
      server.kill('SIGTERM')
      await once(server, 'exit')
    })
    const [line] = (await once(server.stdout, 'data')) as [Buffer]
    const url = /http:\/\/localhost:\d+\/mcp/.exec(line.toString())?.[0]
    assert.ok(url, 'the conformance server printed its URL')
    const run = await conformance([
      'server',
      '--url',
      url,
      '--suite',
      'all',
      '--timeout',
      '120000',
      '--expected-failures',
      baseline,
    ])
    assert.match(run.text, /Total: \d+ passed/)
    t.diagnostic(/Total: .*/.exec(run.text)?.[0] ?? '')
    assert.equal(run.code, 0, summary(run.text))
  })

  void it(
    'the authorization-server scenarios pass against mandate serve',
    { timeout: 300_000 },
    async (t) => {
      const port = await freePort()
      const redirect = `http://127.0.0.1:${String(port)}/callback`
      const dir = tempDir('mandate-conformance-as-')
      t.after(() => {
        dir.remove()
      })
      const config = join(dir.path, 'mandate.json')
      await writeFile(
        config,
        JSON.stringify({
          authorizationServer: {
            clients: [
              {
                client_id: 'conformance-as-client',
                application_type: 'native',
                token_endpoint_auth_method: 'none',
                grant_types: ['authorization_code'],
                response_types: ['code'],
                redirect_uris: [redirect],
              },
            ],
          },
        }),
      )
      const dataDir = ['--data-dir', dir.path]
      await addUsers(dataDir, ['alice'])
      const serve = await startServe([...dataDir, '--config', config])
      t.after(() => serve.stop())
      const issuer = serve.url.origin
      // The harness prints the authorization URL and waits for the callback: play the user.
      let signIn: Promise<void> | undefined
      const run = await conformance(
        [
          'authorization',
          '--url',
          issuer,
          '--client-id',
          'conformance-as-client',
          '--resource',
          serve.mcpUrl,
          '-p',
          String(port),
        ],
        (line) => {
          if (signIn === undefined && line.startsWith(`${issuer}/oauth/authorize?`)) {
            signIn = actAsUser(issuer, line.trim(), redirect)
          }
        },
      )
      await signIn
      assert.match(run.text, /authorization-server-metadata-endpoint/)
      assert.doesNotMatch(run.text, /FAILURE/, run.text.slice(-3000))
      assert.match(run.text, /authorization-code-grant/)
      assert.equal(run.code, 0, run.text.slice(-3000))
    },
  )
})

/** Signs alice in, consents, and delivers the redirect to the harness's callback server. */
async function actAsUser(issuer: string, url: string, redirect: string): Promise<void> {
  const agent = new BrowserAgent()
  let step = await agent.follow(url, redirect)
  for (let i = 0; i < 5 && step.location === undefined; i++) {
    const html = step.html ?? ''
    if (html.includes('/login"')) {
      const form = parseForm(html, '/login')
      step = await agent.follow(new URL(form.action, issuer).href, redirect, {
        form: { ...form.fields, username: 'alice', password: PASSWORD },
      })
    } else if (html.includes('/consent"')) {
      const form = parseForm(html, '/consent')
      step = await agent.follow(new URL(form.action, issuer).href, redirect, {
        form: { ...form.fields, scope: checkboxValues(html) },
      })
    } else {
      throw new Error(`unexpected page (status ${String(agent.lastStatus)})`)
    }
  }
  if (step.location === undefined) throw new Error('authorization did not complete')
  await (await fetch(step.location)).body?.cancel()
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((done) =>
    server.close(() => {
      done()
    }),
  )
  return port
}
