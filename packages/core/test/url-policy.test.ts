// URL policy lives once in core (issue 19): what "loopback" means for a URL host, for a native
// app's redirect and for a listen address; one host-pattern syntax for allow- and deny-lists;
// RFC 8707 canonical resource URLs. Each negative table has a positive control beside it.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  canonicalUrl,
  domainPattern,
  hostMatchesPattern,
  isLoopbackHost,
  isLoopbackIpLiteral,
  isLoopbackListenHost,
  LOOPBACK_HOST_ALIASES,
  sameCanonicalUrl,
} from '@mandate/core'

const hostOf = (url: string): string => new URL(url).hostname

void describe('isLoopbackHost: a URL host that names this machine', () => {
  for (const url of [
    'http://localhost:3000/',
    'http://LOCALHOST/',
    'http://127.0.0.1:9/',
    'http://127.0.0.2/',
    'http://127.255.255.254/',
    'http://127.1/', // the URL parser normalises this to 127.0.0.1
    'http://[::1]:8080/',
    'http://[0:0:0:0:0:0:0:1]/',
  ]) {
    void it(`positive control: ${url} is loopback`, () => {
      assert.equal(isLoopbackHost(hostOf(url)), true)
    })
  }
  for (const url of [
    'http://127.0.0.1.evil.example/',
    'http://localhost.evil.example/',
    'http://evil-localhost/',
    'http://notlocalhost/',
    'http://128.0.0.1/',
    'http://10.0.0.1/',
    'http://0.0.0.0/',
    'http://[::ffff:127.0.0.1]/', // IPv4-mapped: not the loopback rule of Secure Contexts §3.1
    'http://[::2]/',
    'http://app.localhost:8080/mcp', // RFC 6761 names: not every resolver keeps them local
    'http://example.com/',
  ]) {
    void it(`${url} is not loopback`, () => {
      assert.equal(isLoopbackHost(hostOf(url)), false)
    })
  }
  void it('LOOPBACK_HOST_ALIASES are all loopback hosts', () => {
    for (const alias of LOOPBACK_HOST_ALIASES) assert.equal(isLoopbackHost(alias), true)
  })
})

void describe('isLoopbackIpLiteral: the RFC 8252 §7.3 hosts whose port alone may vary', () => {
  void it('positive control: 127.0.0.1 and [::1]', () => {
    assert.equal(isLoopbackIpLiteral('127.0.0.1'), true)
    assert.equal(isLoopbackIpLiteral('[::1]'), true)
  })
  void it('refuses localhost (RFC 8252 §8.3), other loopback addresses and unbracketed ::1', () => {
    for (const host of ['localhost', '127.0.0.2', '::1', '[0:0:0:0:0:0:0:1]', '127.0.0.1.x']) {
      assert.equal(isLoopbackIpLiteral(host), false, host)
    }
  })
})

void describe('isLoopbackListenHost: a listen address that stays off the network', () => {
  void it('positive control: localhost, 127.0.0.0/8 and ::1', () => {
    for (const host of ['localhost', '127.0.0.1', '127.0.0.2', '::1', '[::1]']) {
      assert.equal(isLoopbackListenHost(host), true, host)
    }
  })
  void it('refuses wildcard and public addresses, and names that only start like 127.', () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.2', '127.example.com', 'app.localhost']) {
      assert.equal(isLoopbackListenHost(host), false, host)
    }
  })
})

void describe('hostMatchesPattern: one wildcard syntax', () => {
  const matching: [string, string][] = [
    ['example.com', 'example.com'],
    ['EXAMPLE.com', 'example.COM'],
    ['example.com.', 'example.com'],
    ['example.com', 'example.com.'],
    ['api.example.com', '*.example.com'],
    ['a.b.example.com', '*.example.com'],
    ['example.com', '*.example.com'],
  ]
  for (const [host, pattern] of matching) {
    void it(`positive control: ${host} matches ${pattern}`, () => {
      assert.equal(hostMatchesPattern(host, pattern), true)
    })
  }
  const refused: [string, string][] = [
    ['api.example.com', 'example.com'],
    ['badexample.com', '*.example.com'],
    ['badexample.com', 'example.com'],
    ['example.com.evil.test', '*.example.com'],
    ['example.com', '*.api.example.com'],
    ['example.com', ''],
    ['example.com', '*.'],
    ['', '*.example.com'],
  ]
  for (const [host, pattern] of refused) {
    void it(`${host} does not match ${JSON.stringify(pattern)}`, () => {
      assert.equal(hostMatchesPattern(host, pattern), false)
    })
  }
  void it('domainPattern covers a domain and its subdomains, whatever the spelling', () => {
    for (const domain of ['example.com', '*.example.com', '.example.com']) {
      assert.equal(domainPattern(domain), '*.example.com')
      assert.equal(hostMatchesPattern('api.example.com', domainPattern(domain)), true)
      assert.equal(hostMatchesPattern('badexample.com', domainPattern(domain)), false)
    }
  })
})

void describe('canonicalUrl: RFC 8707 resource comparison', () => {
  void it('normalises case, default port and one trailing slash', () => {
    assert.equal(canonicalUrl('HTTPS://Example.COM:443/mcp/'), 'https://example.com/mcp')
    assert.equal(canonicalUrl('https://example.com/'), 'https://example.com')
    assert.equal(canonicalUrl('http://127.0.0.1:8080/mcp?x=1#f'), 'http://127.0.0.1:8080/mcp')
    assert.equal(sameCanonicalUrl('https://example.com/mcp/', 'https://EXAMPLE.com/mcp'), true)
  })
  void it('keeps path boundaries and refuses what is not http(s) (catalogue #90)', () => {
    assert.equal(
      sameCanonicalUrl('https://example.com/mcp', 'https://example.com/mcp-admin'),
      false,
    )
    assert.equal(sameCanonicalUrl('https://example.com/mcp', 'https://example.com/mcp/x'), false)
    assert.equal(sameCanonicalUrl('https://example.com/mcp', 'https://example.com:8443/mcp'), false)
    assert.equal(canonicalUrl('urn:example:mcp'), undefined)
    assert.equal(canonicalUrl('not a url'), undefined)
    assert.equal(sameCanonicalUrl('not a url', 'not a url'), false)
  })
})
