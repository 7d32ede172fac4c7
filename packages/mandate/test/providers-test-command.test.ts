// `mandate providers test` as an operator runs it, against a real OpenID provider on loopback
// (a second oidc-provider): a well-configured provider passes every check; one whose issuer or
// token endpoint is wrong fails, with exit code 1 and a line saying which check.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import Provider from 'oidc-provider'
import { runCli } from '../../../test/support/cli.ts'

void describe('mandate providers test', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mandate-provider-test-'))
  const data = join(dir, 'data')
  const http = createServer()
  let issuer = ''

  before(async () => {
    http.listen(0, '127.0.0.1')
    await once(http, 'listening')
    issuer = `http://127.0.0.1:${String((http.address() as AddressInfo).port)}`
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: 'mandate',
          client_secret: 'not-used-here',
          redirect_uris: ['http://127.0.0.1:9/cb'],
        },
      ],
      features: { revocation: { enabled: true }, devInteractions: { enabled: false } },
    })
    const handle = provider.callback()
    http.on('request', (req, res) => {
      void handle(req, res)
    })
  })
  after(() => {
    http.closeAllConnections()
    http.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const add = async (id: string, definition: Record<string, unknown>) => {
    const file = join(dir, `${id}.json`)
    writeFileSync(
      file,
      JSON.stringify({
        id,
        kind: 'oidc',
        display_name: id,
        discovery: true,
        scope_separator: ' ',
        pkce: 'required',
        token_endpoint_auth_method: 'client_secret_basic',
        refresh: 'rotating',
        revocation: 'rfc7009',
        allow_loopback_http: true,
        ...definition,
      }),
    )
    const added = await runCli(
      [
        'providers',
        'add',
        id,
        '--definition-file',
        file,
        '--client-id',
        'mandate',
        '--data-dir',
        data,
      ],
      { stdin: 'not-used-here\n' },
    )
    assert.equal(added.code, 0, added.stderr)
  }

  void it('a provider whose metadata and endpoints are right passes', async () => {
    await add('corp', { issuer })
    const result = await runCli(['providers', 'test', 'corp', '--data-dir', data])
    assert.equal(result.code, 0, result.stdout + result.stderr)
    for (const check of [
      'discovery',
      'authorization_endpoint',
      'token_endpoint',
      'revocation_endpoint',
    ]) {
      assert.match(result.stdout, new RegExp(`^ok\\s+.*${check}`, 'm'), check)
    }
    assert.doesNotMatch(result.stdout, /^FAIL/m)
  })

  void it('a wrong issuer or token endpoint fails with the check named', async () => {
    await add('wrong-issuer', { issuer: `${issuer}/elsewhere` })
    const wrongIssuer = await runCli(['providers', 'test', 'wrong-issuer', '--data-dir', data])
    assert.equal(wrongIssuer.code, 1)
    assert.match(wrongIssuer.stdout, /^FAIL\s+.*discovery/m)

    await add('wrong-token', { issuer, token_endpoint: `${issuer}/no-such-token-endpoint` })
    const wrongToken = await runCli(['providers', 'test', 'wrong-token', '--data-dir', data])
    assert.equal(wrongToken.code, 1)
    assert.match(wrongToken.stdout, /^FAIL\s+.*token_endpoint/m)
  })
})
