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

  void test('catalogue #136: a name resolving to a private address is refused', async () => {
    const resolve = () => Promise.resolve(['93.184.215.14', '10.0.0.7'])
    await assert.rejects(
      guardedDiscoveryFetch({ resolve })('https://as.example/.well-known/openid-configuration'),
      blocked,
    )
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
