import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { configKeys, loadConfig, SETTINGS } from 'mandate'

const docs = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8')

describe('docs/configuration.md', () => {
  it('documents every key of the schema', () => {
    const missing = configKeys().filter((key) => !docs.includes(`\`${key}\``))
    assert.deepEqual(missing, [])
  })

  it('documents every variable and flag', () => {
    const missing = SETTINGS.flatMap((s) => [s.env, `--${s.flag}`]).filter(
      (name) => !docs.includes(name),
    )
    assert.deepEqual(missing, [])
  })

  it('has an example that is a valid configuration', () => {
    const example = /```json\n([\s\S]*?)```/.exec(docs)?.[1]
    assert.ok(example !== undefined)
    const { config } = loadConfig({
      file: writeTemp(JSON.parse(example) as object),
      env: {},
      flags: {},
    })
    assert.equal(config.server.publicUrl, 'https://mandate.example.com')
    assert.deepEqual(config.authorizationServer.cimd.denyDomains, ['evil.example'])
  })
})

describe('loadConfig', () => {
  it('lets flags override variables, and variables override defaults', () => {
    const { config, origins } = loadConfig({
      env: { MANDATE_PORT: '9000', MANDATE_HOST: '127.0.0.2' },
      flags: { port: '9001' },
    })
    assert.equal(config.server.port, 9001)
    assert.equal(config.server.host, '127.0.0.2')
    assert.equal(config.server.shutdownTimeoutMs, 10_000)
    assert.equal(origins.get('server.port'), '--port')
  })

  it('rejects an unknown nested key, naming it', () => {
    assert.throws(
      () =>
        loadConfig({
          file: writeTemp({ authorizationServer: { cimd: { allowdomains: [] } } }),
          env: {},
          flags: {},
        }),
      /unknown configuration key "authorizationServer\.cimd\.allowdomains"/,
    )
  })

  it('parses booleans strictly', () => {
    assert.equal(
      loadConfig({ env: { MANDATE_DEMO: 'false' }, flags: {} }).config.demo.enabled,
      false,
    )
    assert.throws(() => loadConfig({ env: { MANDATE_DEMO: 'nope' }, flags: {} }), /demo\.enabled/)
  })
})

function writeTemp(content: object): string {
  const path = join(mkdtempSync(join(tmpdir(), 'mandate-config-')), 'mandate.json')
  writeFileSync(path, JSON.stringify(content))
  return path
}
