// Options resolved once (resolveAuthorizationServerConfig): every default from AS_DEFAULTS, a
// frozen result, and resources looked up in one registry by canonical URL (RFC 8707 §2,
// RFC 3986 §6.2), as the resource server compares audiences.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { decodeJwt } from 'jose'
import { sqliteBackend } from '../../../test/support/stores.ts'
import type { Store } from '@mandate/store'
import { AS_DEFAULTS, CUT_RETENTION_MS, resolveAuthorizationServerConfig } from '../src/index.ts'
import {
  authorize,
  DOWNSTREAM,
  exchange,
  GATEWAY,
  GATEWAY_CLIENT,
  GATEWAY_SECRET,
  redeem,
  RESOURCE,
  startServer,
} from './support/harness.ts'
import type { Harness } from './support/harness.ts'
import { serverOptions } from './support/server-options.ts'

void describe('resolved configuration and the resource registry', () => {
  const backend = sqliteBackend()
  let store: Store
  let h: Harness

  before(async () => {
    store = await backend.open({ migrate: true })
    h = await startServer(store)
  })
  after(async () => {
    await h.close()
    await store.close()
    await backend.cleanup()
  })

  void it('fills every default once and freezes the result', () => {
    const config = resolveAuthorizationServerConfig(serverOptions('https://as.example.test', store))
    assert.equal(config.ttl.accessTokenSeconds, AS_DEFAULTS.accessTokenSeconds)
    assert.equal(config.resources[RESOURCE]?.accessTokenTtlSeconds, AS_DEFAULTS.accessTokenSeconds)
    assert.equal(config.dcr.perSourcePerHour, AS_DEFAULTS.dcrPerSourcePerHour)
    assert.equal(config.cimd.fetchesPerOriginPerMinute, AS_DEFAULTS.cimdFetchesPerOriginPerMinute)
    assert.equal(config.refreshGraceSeconds, AS_DEFAULTS.refreshGraceSeconds)
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.ttl))
    assert.throws(() => {
      ;(config.ttl as { accessTokenSeconds: number }).accessTokenSeconds = 86_400
    }, TypeError)
    const custom = resolveAuthorizationServerConfig({
      ...serverOptions('https://as.example.test', store),
      ttl: { accessTokenSeconds: 120 },
      resources: { [RESOURCE]: { scopes: ['tools:read'], accessTokenTtlSeconds: 60 } },
    })
    assert.equal(custom.ttl.accessTokenSeconds, 120)
    assert.equal(custom.resources[RESOURCE]?.accessTokenTtlSeconds, 60)
  })

  void it('refuses an access-token lifetime that would outlive the revocation cut-offs', () => {
    const options = serverOptions('https://as.example.test', store)
    const longest = AS_DEFAULTS.maxAccessTokenSeconds
    // Positive control: the longest allowed lifetime, globally and per resource.
    const allowed = resolveAuthorizationServerConfig({
      ...options,
      ttl: { accessTokenSeconds: longest },
      resources: { [RESOURCE]: { scopes: ['tools:read'], accessTokenTtlSeconds: longest } },
    })
    assert.equal(allowed.resources[RESOURCE]?.accessTokenTtlSeconds, longest)
    assert.ok(CUT_RETENTION_MS > longest * 1000)
    for (const seconds of [longest + 1, 0, 1.5]) {
      assert.throws(
        () =>
          resolveAuthorizationServerConfig({ ...options, ttl: { accessTokenSeconds: seconds } }),
        { code: 'ERR_AS_CONFIG', message: /ttl\.accessTokenSeconds/ },
      )
      assert.throws(
        () =>
          resolveAuthorizationServerConfig({
            ...options,
            resources: { [RESOURCE]: { scopes: ['tools:read'], accessTokenTtlSeconds: seconds } },
          }),
        { code: 'ERR_AS_CONFIG', message: /accessTokenTtlSeconds/ },
      )
    }
  })

  void it('a resource indicator names a configured resource by canonical URL only', () => {
    const { resourceRegistry } = resolveAuthorizationServerConfig(
      serverOptions('https://as.example.test', store),
    )
    // Positive control: the configured spelling and its canonical equivalents.
    for (const same of [
      RESOURCE,
      'HTTPS://MCP.Example.Test/mcp',
      'https://mcp.example.test:443/mcp',
      'https://mcp.example.test/mcp/',
    ]) {
      assert.equal(resourceRegistry.find(same)?.url, RESOURCE, same)
    }
    for (const other of [
      'https://mcp.example.test/mcp-admin',
      'https://mcp.example.test/mcp/x',
      'https://mcp.example.test/MCP',
      'http://mcp.example.test/mcp',
      'https://mcp.example.test:8443/mcp',
      'https://mcp.example.test/mcp#x',
      '/mcp',
      '',
    ]) {
      assert.equal(resourceRegistry.find(other), undefined, other)
    }
  })

  void it('config: two entries naming the same canonical resource are refused', () => {
    assert.throws(
      () =>
        resolveAuthorizationServerConfig({
          ...serverOptions('https://as.example.test', store),
          resources: { [RESOURCE]: { scopes: ['a'] }, [`${RESOURCE}/`]: { scopes: ['b'] } },
        }),
      { code: 'ERR_AS_CONFIG', message: /configured twice/ },
    )
  })

  void it('an authorization for a canonical equivalent yields a token for the configured URL', async () => {
    const tokens = await redeem(
      h,
      await authorize(h, { resource: 'https://MCP.example.test/mcp/' }),
    )
    assert.equal(decodeJwt(tokens.access_token).aud, RESOURCE)
  })

  void it('token exchange targets a resource by canonical URL, never a neighbouring path', async () => {
    const tokens = await redeem(h, await authorize(h, { resource: GATEWAY }))
    const exchanged = await exchange(h, GATEWAY_CLIENT, GATEWAY_SECRET, {
      subject_token: tokens.access_token,
      resource: 'https://TOOLS.example.test:443/mcp/',
      scope: 'tools:read',
    })
    assert.equal(exchanged.status, 200)
    assert.equal(decodeJwt(String(exchanged.body['access_token'])).aud, DOWNSTREAM)
    for (const neighbour of ['https://tools.example.test/mcp-admin', `${DOWNSTREAM}#x`]) {
      const refused = await exchange(h, GATEWAY_CLIENT, GATEWAY_SECRET, {
        subject_token: tokens.access_token,
        resource: neighbour,
        scope: 'tools:read',
      })
      assert.equal(refused.body['error'], 'invalid_target', neighbour)
    }
  })
})
