import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'

import { ClientError, guardedDiscoveryFetch } from '@mandate/client'

const server = createServer((req, res) => {
  if (req.url === '/redirect') {
    res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' }).end()
    return
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
})
let base = ''
before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`
})
after(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve()
    })
  })
})

const blocked = (e: unknown): boolean =>
  e instanceof ClientError && e.code === 'ERR_CLIENT_UNSAFE_URL'

void describe('SSRF-guarded discovery fetch', () => {
  for (const target of [
    'http://169.254.169.254/latest/meta-data',
    'https://169.254.169.254/latest/meta-data',
    'https://10.0.0.1/.well-known/oauth-authorization-server',
    'https://192.168.1.1/',
    'https://100.64.0.1/',
    'https://[::1]/',
    'https://[::ffff:127.0.0.1]/',
    'https://[::ffff:a9fe:a9fe]/',
    'https://[64:ff9b::a9fe:a9fe]/',
    'https://[2002:a9fe:a9fe::1]/',
    'https://[fe80::1]/',
    'https://[fd00::1]/',
    'https://0.0.0.0/',
    'https://2130706433/',
    'https://0x7f.1/',
    'https://user:pass@example.com/',
    'file:///etc/passwd',
  ]) {
    void test(`catalogue #135/#155: refuses ${target}`, async () => {
      await assert.rejects(guardedDiscoveryFetch()(target), blocked)
    })
  }

  void test('catalogue #135: loopback only with the development switch', async () => {
    await assert.rejects(guardedDiscoveryFetch()(`${base}/x`), blocked)
    const response = await guardedDiscoveryFetch({ allowLoopback: true })(`${base}/x`)
    assert.equal(response.status, 200)
    await response.text()
  })

  // A resolver that aborts the caller's signal shows the guard's verdict without connecting:
  // answers that pass end in the abort, refused ones in ERR_CLIENT_UNSAFE_URL.
  class PassedGuard extends Error {}
  const verdict = (...answers: string[]) => {
    const controller = new AbortController()
    const resolve = () => {
      controller.abort(new PassedGuard('guard passed'))
      return Promise.resolve(answers)
    }
    return guardedDiscoveryFetch({ resolve })(
      'https://as.example/.well-known/openid-configuration',
      {
        signal: controller.signal,
      },
    )
  }

  void test('catalogue #136: a name resolving to a private address is refused', async () => {
    await assert.rejects(verdict('8.8.8.8', '10.0.0.7'), blocked)
    await assert.rejects(verdict('2606:4700:4700::1111', '::ffff:169.254.169.254'), blocked)
  })

  void test('issue 11 #1: a name resolving to public addresses passes the guard (positive control)', async () => {
    await assert.rejects(verdict('140.82.112.6', '2606:4700:4700::1111'), PassedGuard)
  })

  void test('catalogue #135: http to a non-loopback name is refused even in development', async () => {
    const resolve = () => Promise.resolve(['127.0.0.1'])
    await assert.rejects(
      guardedDiscoveryFetch({ allowLoopback: true, resolve })('http://as.example/'),
      blocked,
    )
  })

  void test('catalogue #137: redirects are not followed', async () => {
    await assert.rejects(
      guardedDiscoveryFetch({ allowLoopback: true })(`${base}/redirect`),
      blocked,
    )
  })
})
