// The authorization server's host options (`cimd.allowDomains`, `cimd.denyDomains`,
// `errorRedirectDomains`) list domains: each entry covers its subdomains, matched through core's
// one host-pattern syntax as `*.<domain>` (issue 19). Negative tables with positive controls.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { cimdHostAllowed, hostInDomain } from '../src/lib/domain-policy.ts'

void describe('AS domain options: a domain covers its subdomains', () => {
  void it('positive control: the domain itself and names below it, in every spelling', () => {
    for (const domain of ['trusted.example', '*.trusted.example', '.trusted.example']) {
      for (const host of ['trusted.example', 'app.trusted.example', 'TRUSTED.example.']) {
        assert.equal(hostInDomain(host, domain), true, `${host} in ${domain}`)
      }
    }
  })

  void it('a look-alike suffix or a parent domain is not in the domain', () => {
    for (const host of ['untrusted.example', 'trusted.example.evil.test', 'example', 'evil.test']) {
      assert.equal(hostInDomain(host, 'trusted.example'), false, host)
    }
  })

  void it('catalogue CIMD domain policy: deny wins over allow, at any depth', () => {
    const policy = { allowDomains: ['clients.example'], denyDomains: ['bad.clients.example'] }
    assert.equal(cimdHostAllowed('https://x.bad.clients.example/c.json', policy), false)
    assert.equal(cimdHostAllowed('https://bad.clients.example./c.json', policy), false)
    assert.equal(cimdHostAllowed('https://other.example/c.json', policy), false)
    assert.equal(cimdHostAllowed('https://notclients.example/c.json', policy), false)
    assert.equal(cimdHostAllowed('not a url', policy), false)
  })

  void it('positive control: an allowed domain and its subdomains may be fetched', () => {
    const policy = { allowDomains: ['clients.example'], denyDomains: ['bad.clients.example'] }
    assert.equal(cimdHostAllowed('https://clients.example/c.json', policy), true)
    assert.equal(cimdHostAllowed('https://app.clients.example/c.json', policy), true)
    assert.equal(cimdHostAllowed('https://any.example/c.json', {}), true)
  })
})
