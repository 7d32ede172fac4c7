import assert from 'node:assert/strict'
import { describe, test } from 'node:test'

import {
  assertSafeBrowserUrl,
  ClientError,
  createMemoryStore,
  MandateOAuthProvider,
  openInBrowser,
} from '@mandate/client'

const hostile = [
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  ' javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'vbscript:msgbox(1)',
  'file:///etc/passwd',
  'https://as.example/authorize$(calc.exe)',
  'https://as.example/authorize;calc.exe',
  'https://as.example/a|calc',
  'https://as.example/`id`',
  'https://user:pass@as.example/authorize',
  'http://as.example/authorize',
  'https://as.example/\u0000x',
  '--upload-pack=touch /tmp/x',
]

const unsafe = (e: unknown): boolean =>
  e instanceof ClientError && e.code === 'ERR_CLIENT_UNSAFE_URL'

void describe('URLs handed to a browser', () => {
  for (const raw of hostile) {
    void test(`catalogue #159: refuses ${JSON.stringify(raw)}`, () => {
      assert.throws(
        () => assertSafeBrowserUrl(raw),
        (e) => e instanceof ClientError && e.code === 'ERR_CLIENT_UNSAFE_URL',
      )
    })
  }

  void test('accepts an ordinary authorization URL with a query', () => {
    const url = assertSafeBrowserUrl(
      'https://as.example/authorize?response_type=code&client_id=a&state=b',
    )
    assert.equal(url.hostname, 'as.example')
  })

  void test('accepts loopback http only with the development switch', () => {
    assert.throws(() => assertSafeBrowserUrl('http://127.0.0.1:8080/authorize'), unsafe)
    assert.ok(assertSafeBrowserUrl('http://127.0.0.1:8080/authorize', { allowLoopbackHttp: true }))
    assert.throws(
      () => assertSafeBrowserUrl('http://10.0.0.1/authorize', { allowLoopbackHttp: true }),
      unsafe,
    )
  })

  void test('catalogue #159: the opener gets the URL as one argv element, never a shell string', async () => {
    const calls: [string, readonly string[]][] = []
    const launch = (command: string, args: readonly string[]): Promise<void> => {
      calls.push([command, args])
      return Promise.resolve()
    }
    await openInBrowser('https://as.example/authorize?a=1&b=2', { launch, platform: 'linux' })
    await openInBrowser('https://as.example/authorize?a=1&b=2', { launch, platform: 'darwin' })
    await openInBrowser('https://as.example/authorize?a=1&b=2', { launch, platform: 'win32' })
    assert.deepEqual(calls, [
      ['xdg-open', ['https://as.example/authorize?a=1&b=2']],
      ['open', ['--', 'https://as.example/authorize?a=1&b=2']],
      ['rundll32', ['url.dll,FileProtocolHandler', 'https://as.example/authorize?a=1&b=2']],
    ])
    await assert.rejects(openInBrowser('javascript:alert(1)', { launch }), unsafe)
    assert.equal(calls.length, 3)
  })

  void test('catalogue #159: the provider refuses an authorization URL the SDK built from hostile metadata', async () => {
    const provider = new MandateOAuthProvider({
      serverUrl: 'https://mcp.example/mcp',
      store: createMemoryStore(),
      redirectUrl: 'http://127.0.0.1:9/callback',
      clientMetadata: { client_name: 't', redirect_uris: ['http://127.0.0.1:9/callback'] },
      allowLegacyDiscovery: false,
      allowLoopback: false,
      dpop: 'off',
      persistDpopKey: false,
    })
    await provider.saveDiscoveryState({
      authorizationServerUrl: 'https://as.example',
      authorizationServerMetadata: {
        issuer: 'https://as.example',
        authorization_endpoint: 'https://as.example/authorize',
        token_endpoint: 'https://as.example/token',
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
      },
    })
    const state = provider.state()
    for (const raw of [
      `https://as.example/a$(id)?state=${state}`,
      `file:///etc/passwd?state=${state}`,
    ]) {
      await assert.rejects(
        provider.redirectToAuthorization(new URL(raw)),
        (e) => e instanceof ClientError && e.code === 'ERR_CLIENT_UNSAFE_URL',
      )
    }
    assert.equal(provider.takePendingAuthorization(), undefined)
  })
})
