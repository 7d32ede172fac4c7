// Hostile inputs for the SSRF-safe fetch (issue 11, SSRF class; catalogue #135–#137). Every
// target points at a real listener on 127.0.0.1 that counts connections: a refusal must come
// before any connection, and the development switch (positive control) shows the same target
// really reaches the listener.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'

import { createSsrfSafeFetch, NetError } from '@mandate/core/node'
import type { NetErrorCode, Resolver } from '@mandate/core/node'

let connections = 0
const paths: string[] = []
const server = createServer((req, res) => {
  paths.push(req.url ?? '')
  if (req.url === '/to-metadata') {
    res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end()
  } else if (req.url === '/to-loopback') {
    res.writeHead(307, { location: `http://127.0.0.1:${String(port)}/landed` }).end()
  } else {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('reached')
  }
})
server.on('connection', () => (connections += 1))
let port = 0
before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})
after(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve()
    })
  })
})

const httpOnly = { dangerouslyAllowHttp: true }
const dev = { dangerouslyAllowHttp: true, dangerouslyAllowLoopback: true }
const fixed =
  (...answers: string[]): Resolver =>
  () =>
    Promise.resolve(answers)
const error =
  (expected: NetErrorCode, message?: RegExp) =>
  (e: unknown): boolean =>
    e instanceof NetError && e.code === expected && (message?.test(e.message) ?? true)
const specialUse = error('ERR_NET_BLOCKED', /special-use address refused/)

/** Refused with `check` and no connection made. */
async function refusedBeforeConnecting(
  attempt: Promise<Response>,
  check: (e: unknown) => boolean,
): Promise<void> {
  const before = connections
  await assert.rejects(attempt, check)
  assert.equal(connections, before, 'a connection was opened before the refusal')
}

void describe('SSRF hostile inputs', () => {
  const numeric = ['2130706433', '0x7f.1', '017700000001', '0177.0.0.1', '0x7f000001', '127.1']
  for (const host of numeric) {
    void test(`catalogue #135: numeric loopback spelling http://${host}:port/ is refused`, async () => {
      const url = `http://${host}:${String(port)}/`
      await refusedBeforeConnecting(createSsrfSafeFetch(httpOnly)(url), specialUse)
      // Positive control: the spelling really is 127.0.0.1 (the development switch reaches it).
      const response = await createSsrfSafeFetch(dev)(url)
      assert.equal(await response.text(), 'reached')
    })
  }

  const embedded = ['::ffff:127.0.0.1', '::ffff:7f00:1', '::127.0.0.1', '64:ff9b::7f00:1']
  for (const literal of embedded) {
    void test(`catalogue #135: IPv6 literal embedding loopback [${literal}] is refused, even with the loopback switch`, async () => {
      const url = `http://[${literal}]:${String(port)}/`
      await refusedBeforeConnecting(createSsrfSafeFetch(dev)(url), specialUse)
    })
  }

  void test('catalogue #135: IPv6 zone ids are refused (URL literal and DNS answer)', async () => {
    await assert.rejects(createSsrfSafeFetch(dev)('http://[fe80::1%25eth0]/'), {
      name: 'TypeError',
      code: 'ERR_INVALID_URL',
    })
    for (const answer of ['fe80::1%eth0', '::1%lo', '2606:4700:4700::1111%1']) {
      const scoped = createSsrfSafeFetch({ ...dev, resolve: fixed(answer) })
      await refusedBeforeConnecting(scoped(`http://scoped.example:${String(port)}/`), specialUse)
    }
  })

  void test('catalogue #135: DNS names resolving to special-use addresses are refused', async () => {
    const answers = [
      '127.0.0.1',
      '0.0.0.0',
      '10.0.0.1',
      '169.254.169.254',
      '100.100.100.200',
      '192.0.0.170',
      '198.18.0.1',
      '255.255.255.255',
      '::1',
      '::',
      '::ffff:169.254.169.254',
      '64:ff9b::a9fe:a9fe',
      '2002:7f00:1::',
      'fd00:ec2::254',
      'fe80::a9fe:a9fe',
      'ff02::1',
    ]
    for (const answer of answers) {
      const viaDns = createSsrfSafeFetch({ ...httpOnly, resolve: fixed(answer) })
      await refusedBeforeConnecting(viaDns(`http://internal.example:${String(port)}/`), specialUse)
    }
    // The real resolver: `localhost` and its upper-case spelling resolve to loopback.
    for (const host of ['localhost', 'LOCALHOST']) {
      const url = `http://${host}:${String(port)}/`
      await refusedBeforeConnecting(createSsrfSafeFetch(httpOnly)(url), specialUse)
    }
    const response = await createSsrfSafeFetch(dev)(`http://localhost:${String(port)}/`)
    assert.equal(await response.text(), 'reached')
  })

  void test('catalogue #136: a resolver that answers nothing, fails or answers a name is refused', async () => {
    const url = `http://odd.example:${String(port)}/`
    const failing: Resolver = () => Promise.reject(new Error('SERVFAIL'))
    await refusedBeforeConnecting(
      createSsrfSafeFetch({ ...dev, resolve: fixed() })(url),
      error('ERR_NET_UNRESOLVABLE'),
    )
    await refusedBeforeConnecting(
      createSsrfSafeFetch({ ...dev, resolve: failing })(url),
      error('ERR_NET_UNRESOLVABLE'),
    )
    await refusedBeforeConnecting(
      createSsrfSafeFetch({ ...dev, resolve: fixed('127.0.0.1', 'localhost') })(url),
      error('ERR_NET_BLOCKED', /non-ip/),
    )
  })

  void test('catalogue #137: redirects to private or loopback addresses are never followed', async () => {
    for (const [path, location] of [
      ['/to-metadata', 'http://169.254.169.254/latest/meta-data/'],
      ['/to-loopback', `http://127.0.0.1:${String(port)}/landed`],
    ] as const) {
      paths.length = 0
      const response = await createSsrfSafeFetch(dev)(`http://127.0.0.1:${String(port)}${path}`, {
        redirect: 'follow',
      })
      assert.equal(response.status === 302 || response.status === 307, true)
      assert.equal(response.headers.get('location'), location)
      await response.text()
      assert.deepEqual(paths, [path])
    }
  })

  void test('catalogue #135: userinfo in the URL is refused before resolving', async () => {
    let lookups = 0
    const resolve: Resolver = () => {
      lookups += 1
      return Promise.resolve(['127.0.0.1'])
    }
    for (const userinfo of ['user:pass@', 'user@', ':pass@', 'public.example@', '8.8.8.8@']) {
      const url = `http://${userinfo}127.0.0.1:${String(port)}/`
      await refusedBeforeConnecting(
        createSsrfSafeFetch({ ...dev, resolve })(url),
        error('ERR_NET_BLOCKED', /credentials/),
      )
    }
    assert.equal(lookups, 0)
  })

  void test('catalogue #135: schemes other than https (and http in development) are refused', async () => {
    for (const url of [
      'file:///etc/passwd',
      'ftp://127.0.0.1/',
      'gopher://127.0.0.1:70/',
      'ws://127.0.0.1/',
      'data:text/plain,hi',
      `http://8.8.8.8:${String(port)}/`,
    ]) {
      await refusedBeforeConnecting(
        createSsrfSafeFetch()(url),
        error('ERR_NET_BLOCKED', /scheme .* refused/),
      )
    }
  })

  void test('catalogue #135: a Request object is judged by its own URL', async () => {
    const request = new Request(`http://10.0.0.1:${String(port)}/`)
    await refusedBeforeConnecting(createSsrfSafeFetch(dev)(request), specialUse)
    const ok = await createSsrfSafeFetch(dev)(new Request(`http://127.0.0.1:${String(port)}/`))
    assert.equal(await ok.text(), 'reached')
  })
})
