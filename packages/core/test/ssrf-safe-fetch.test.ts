import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'
import { after, before, describe, test } from 'node:test'

import { createSsrfSafeFetch, NetError } from '@mandate/core/node'
import type { NetErrorCode, Resolver } from '@mandate/core/node'

let connections = 0
const seen: { host: string | undefined; url: string | undefined }[] = []
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  seen.push({ host: req.headers.host, url: req.url })
  if (req.url === '/redirect') {
    res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' }).end()
  } else if (req.url === '/big') {
    // No content-length: the cap must hold on the streamed count.
    res.writeHead(200, { 'content-type': 'application/octet-stream' })
    res.write(Buffer.alloc(600 * 1024))
    res.end(Buffer.alloc(600 * 1024))
  } else if (req.url === '/declared-big') {
    res.writeHead(200, { 'content-length': String(2 * 1024 * 1024) })
    res.end()
  } else if (req.url === '/slow') {
    res.writeHead(200)
    res.write('partial')
  } else if (req.url === '/echo') {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => (body += chunk))
    req.on('end', () => {
      res.writeHead(201, { 'content-type': 'text/plain' }).end(`${req.method ?? ''} ${body}`)
    })
  } else {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
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

const dev = { dangerouslyAllowHttp: true, dangerouslyAllowLoopback: true }
const fixed =
  (...answers: string[]): Resolver =>
  () =>
    Promise.resolve(answers)
const code =
  (expected: NetErrorCode) =>
  (e: unknown): boolean =>
    e instanceof NetError && e.code === expected

void describe('createSsrfSafeFetch', () => {
  const specialUse: [string, string][] = [
    ['loopback 127.0.0.1', '127.0.0.1'],
    ['loopback 127.1.2.3', '127.1.2.3'],
    ['RFC 1918 10/8', '10.0.0.1'],
    ['RFC 1918 172.16/12', '172.31.255.1'],
    ['RFC 1918 192.168/16', '192.168.1.1'],
    ['link-local IMDS', '169.254.169.254'],
    ['CGNAT 100.64/10', '100.64.0.1'],
    ['this network 0.0.0.0/8', '0.0.0.0'],
    ['multicast', '224.0.0.1'],
    ['broadcast', '255.255.255.255'],
    ['reserved 240/4', '240.0.0.1'],
    ['documentation TEST-NET-3', '203.0.113.7'],
    ['IPv6 loopback', '::1'],
    ['IPv6 unspecified', '::'],
    ['IPv6 ULA', 'fd00::1'],
    ['IPv6 link-local', 'fe80::1'],
    ['IPv6 link-local upper edge', 'febf::1'],
    ['IPv6 multicast', 'ff02::1'],
    ['IPv4-mapped IPv6', '::ffff:127.0.0.1'],
    ['IPv4-mapped IMDS (hex)', '::ffff:a9fe:a9fe'],
    ['IPv4-compatible IPv6', '::7f00:1'],
    ['NAT64 64:ff9b::/96', '64:ff9b::a9fe:a9fe'],
    ['6to4 2002::/16', '2002:a9fe:a9fe::1'],
    ['Teredo 2001::/32', '2001:0:4136:e378::1'],
    ['IPv6 documentation', '2001:db8::1'],
  ]
  for (const [name, address] of specialUse) {
    void test(`catalogue #135: refuses ${name} (${address}) as a literal and as a DNS answer`, async () => {
      const literal = address.includes(':') ? `[${address}]` : address
      await assert.rejects(createSsrfSafeFetch()(`https://${literal}/`), code('ERR_NET_BLOCKED'))
      const viaDns = createSsrfSafeFetch({ resolve: fixed(address) })
      await assert.rejects(viaDns('https://metadata.example/'), code('ERR_NET_BLOCKED'))
    })
  }

  void test('catalogue #135: numeric host spellings are normalised, then refused', async () => {
    for (const target of ['https://2130706433/', 'https://0x7f.1/', 'https://0177.0.0.1/']) {
      await assert.rejects(createSsrfSafeFetch()(target), code('ERR_NET_BLOCKED'))
    }
  })

  void test('catalogue #135: http is refused without the development option', async () => {
    await assert.rejects(
      createSsrfSafeFetch({ resolve: fixed('93.184.215.14') })('http://example.com/'),
      code('ERR_NET_BLOCKED'),
    )
    await assert.rejects(
      createSsrfSafeFetch({ dangerouslyAllowLoopback: true })(`http://127.0.0.1:${String(port)}/`),
      code('ERR_NET_BLOCKED'),
    )
  })

  void test('catalogue #135: loopback is refused without the development option', async () => {
    const before = connections
    await assert.rejects(
      createSsrfSafeFetch({ dangerouslyAllowHttp: true })(`http://127.0.0.1:${String(port)}/`),
      code('ERR_NET_BLOCKED'),
    )
    assert.equal(connections, before)
  })

  void test('catalogue #135: the development option allows loopback but no other range', async () => {
    const response = await createSsrfSafeFetch(dev)(`http://127.0.0.1:${String(port)}/`)
    assert.equal(response.status, 200)
    assert.deepEqual(await response.json(), { ok: true })
    await assert.rejects(
      createSsrfSafeFetch({ ...dev, resolve: fixed('10.0.0.1') })('http://internal.example/'),
      code('ERR_NET_BLOCKED'),
    )
  })

  void test('catalogue #135: credentials in the URL and other schemes are refused', async () => {
    await assert.rejects(
      createSsrfSafeFetch({ resolve: fixed('93.184.215.14') })('https://u:p@example.com/'),
      code('ERR_NET_BLOCKED'),
    )
    await assert.rejects(createSsrfSafeFetch(dev)('file:///etc/passwd'), code('ERR_NET_BLOCKED'))
  })

  void test('catalogue #136: a name resolving to a private address is refused before any connection', async () => {
    const before = connections
    // Loopback (allowed here) first, a private address second: the whole request is refused.
    const mixed = createSsrfSafeFetch({ ...dev, resolve: fixed('127.0.0.1', '10.1.2.3') })
    await assert.rejects(mixed(`http://rebind.example:${String(port)}/`), code('ERR_NET_BLOCKED'))
    const privateOnly = createSsrfSafeFetch({ ...dev, resolve: fixed('192.168.0.10') })
    await assert.rejects(
      privateOnly(`http://rebind.example:${String(port)}/`),
      code('ERR_NET_BLOCKED'),
    )
    assert.equal(connections - before, 0)
    // Positive control: loopback alone, with the development switch, connects.
    const loopbackOnly = createSsrfSafeFetch({ ...dev, resolve: fixed('127.0.0.1') })
    const response = await loopbackOnly(`http://rebind.example:${String(port)}/`)
    assert.equal(response.status, 200)
    await response.text()
    assert.equal(connections - before, 1)
  })

  void test('issue 11 #12: an operator allow-listed host may resolve to special-use addresses', async () => {
    const before = connections
    const allowList = {
      dangerouslyAllowHttp: true,
      resolve: fixed('127.0.0.1'),
      allowSpecialUseHost: (host: string) => host === 'idp.internal',
    }
    await assert.rejects(
      createSsrfSafeFetch(allowList)(`http://other.internal:${String(port)}/`),
      code('ERR_NET_BLOCKED'),
    )
    assert.equal(connections, before)
    const response = await createSsrfSafeFetch(allowList)(`http://IdP.internal:${String(port)}/`)
    assert.equal(response.status, 200)
    await response.text()
    assert.equal(connections - before, 1)
  })

  void test('catalogue #136: the validated address is the one connected (no second lookup)', async () => {
    let lookups = 0
    // A rebinding resolver: the first answer passes, any later one points elsewhere.
    const rebinding: Resolver = () => {
      lookups += 1
      return Promise.resolve(lookups === 1 ? ['127.0.0.1'] : ['127.0.0.2'])
    }
    const safeFetch = createSsrfSafeFetch({ ...dev, resolve: rebinding })
    seen.length = 0
    const response = await safeFetch(`http://calendar.example:${String(port)}/path?q=1`)
    assert.equal(response.status, 200)
    await response.text()
    assert.equal(lookups, 1)
    // Host keeps the name, not the pinned address.
    assert.deepEqual(seen, [{ host: `calendar.example:${String(port)}`, url: '/path?q=1' }])
  })

  void test('catalogue #136: TLS goes to the pinned address with the SNI of the name', async () => {
    const sni: string[] = []
    // No certificate: the ClientHello (and its SNI) is all this test needs to see.
    const tls = createTlsServer({
      SNICallback: (name, callback) => {
        sni.push(name)
        callback(new Error('no certificate here'), undefined)
      },
    })
    tls.on('tlsClientError', () => undefined)
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve))
    const tlsPort = (tls.address() as AddressInfo).port
    try {
      const safeFetch = createSsrfSafeFetch({
        dangerouslyAllowLoopback: true,
        resolve: fixed('127.0.0.1'),
      })
      await assert.rejects(safeFetch(`https://calendar.example:${String(tlsPort)}/`), {
        code: 'ECONNRESET',
      })
      assert.deepEqual(sni, ['calendar.example'])
    } finally {
      await new Promise<void>((resolve) => {
        tls.close(() => {
          resolve()
        })
      })
    }
  })

  void test('catalogue #136: init cannot smuggle a socket path or agent', async () => {
    const init = { socketPath: '/var/run/docker.sock', agent: {}, dispatcher: {} } as RequestInit
    await assert.rejects(
      createSsrfSafeFetch({ resolve: fixed('10.0.0.1') })('https://example.com/', init),
      code('ERR_NET_BLOCKED'),
    )
    const response = await createSsrfSafeFetch(dev)(`http://127.0.0.1:${String(port)}/`, init)
    assert.equal(response.status, 200)
    await response.text()
  })

  void test('catalogue #137: a redirect is not followed (the 3xx is returned as is)', async () => {
    seen.length = 0
    const response = await createSsrfSafeFetch(dev)(`http://127.0.0.1:${String(port)}/redirect`)
    assert.equal(response.status, 302)
    assert.equal(response.headers.get('location'), 'http://169.254.169.254/latest/meta-data')
    await response.text()
    assert.equal(seen.length, 1)
  })

  void test('sends the method and body and returns status, headers and body', async () => {
    const response = await createSsrfSafeFetch(dev)(`http://127.0.0.1:${String(port)}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token' }),
    })
    assert.equal(response.status, 201)
    assert.equal(response.headers.get('content-type'), 'text/plain')
    assert.equal(await response.text(), 'POST grant_type=refresh_token')
  })

  void test('a streamed body past the size cap is aborted', async () => {
    const response = await createSsrfSafeFetch(dev)(`http://127.0.0.1:${String(port)}/big`)
    await assert.rejects(response.arrayBuffer(), code('ERR_NET_RESPONSE_TOO_LARGE'))
    const roomy = createSsrfSafeFetch({ ...dev, maxResponseBytes: 2 * 1024 * 1024 })
    const ok = await roomy(`http://127.0.0.1:${String(port)}/big`)
    assert.equal((await ok.arrayBuffer()).byteLength, 1200 * 1024)
  })

  void test('a declared content-length past the size cap is refused', async () => {
    await assert.rejects(
      createSsrfSafeFetch(dev)(`http://127.0.0.1:${String(port)}/declared-big`),
      code('ERR_NET_RESPONSE_TOO_LARGE'),
    )
  })

  void test('the total timeout covers the body', async () => {
    const response = await createSsrfSafeFetch({ ...dev, timeoutMs: 200 })(
      `http://127.0.0.1:${String(port)}/slow`,
    )
    await assert.rejects(response.text(), code('ERR_NET_TIMEOUT'))
  })

  void test("the caller's abort signal is honoured", async () => {
    const controller = new AbortController()
    const response = await createSsrfSafeFetch(dev)(`http://127.0.0.1:${String(port)}/slow`, {
      signal: controller.signal,
    })
    controller.abort(new Error('stop'))
    await assert.rejects(response.text(), /stop/)
  })
})
