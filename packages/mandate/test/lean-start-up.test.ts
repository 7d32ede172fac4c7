import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { collect, runCli, spawnCli, waitForListening } from '../../../test/support/cli.ts'
import {
  dropSchema,
  freshSchemaName,
  POSTGRES_TEST_URL,
  postgresSkipReason,
} from '../../../test/support/postgres.ts'

// Every CLI command and every test starts a process: what it does not need is loaded on first
// use (docs/architecture.md, "How `mandate serve` starts"). These pin that a plain start stays
// lean, with the configurations that do load each part as positive controls.
const HOOK = fileURLToPath(
  new URL('../../../test/support/record-loaded-packages.ts', import.meta.url),
)
const LAZY = ['pg', 'qrcode', 'workspace:gateway', '@bufbuild/cel', '@opentelemetry/sdk-logs']
const dirs: string[] = []
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'mandate-lean-'))
  dirs.push(dir)
  return dir
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

/** The environment that records loaded packages into a file of `dir`, and that file's reader. */
function recording(dir: string, extra: Record<string, string> = {}) {
  const file = join(dir, 'loaded.json')
  const env = { NODE_OPTIONS: `--import=${HOOK}`, MANDATE_TEST_LOADED_FILE: file, ...extra }
  const loaded = () => new Set(JSON.parse(readFileSync(file, 'utf8')) as string[])
  return { env, loaded }
}

/** Starts `mandate serve`, waits until it listens, stops it; the packages it loaded. */
async function serveOnce(dir: string, args: string[], extra: Record<string, string> = {}) {
  const { env, loaded } = recording(dir, extra)
  const child = spawnCli(['serve', '--port', '0', '--data-dir', dir, ...args], { cwd: dir, env })
  await waitForListening(child)
  const exited = collect(child)
  child.kill('SIGTERM')
  const result = await exited
  assert.equal(result.code, 0, result.stderr)
  return loaded()
}

const assertAbsent = (loaded: Set<string>, names: string[]) => {
  for (const name of names) assert.ok(!loaded.has(name), `${name} was loaded`)
}

describe('start-up loads only what the process uses', () => {
  it('mandate serve on SQLite with defaults loads none of the optional parts', async () => {
    const loaded = await serveOnce(freshDir(), [])
    // Positive control: the recorder sees what a start does load.
    assert.ok(loaded.has('kysely') && loaded.has('oidc-provider'), [...loaded].join(' '))
    assertAbsent(loaded, LAZY)
  })

  it('an operator command (users list) loads none of them, nor oidc-provider', async () => {
    const dir = freshDir()
    const { env, loaded } = recording(dir)
    const result = await runCli(['users', 'list', '--data-dir', dir], { cwd: dir, env })
    assert.equal(result.code, 0, result.stderr)
    // It uses `@mandate/authorization-server/operator`, not the server's main entry.
    assert.ok(loaded().has('workspace:authorization-server'))
    assertAbsent(loaded(), [...LAZY, 'oidc-provider', 'koa'])
  })

  it('loads the gateway and the OTLP exporter when they are configured', async () => {
    const dir = freshDir()
    const config = join(dir, 'mandate.json')
    writeFileSync(
      config,
      JSON.stringify({
        gateway: { enabled: true, upstreams: [] },
        audit: { forward: { otlp: { url: 'http://127.0.0.1:9/v1/logs' } } },
      }),
    )
    const loaded = await serveOnce(dir, ['--config', config])
    for (const name of ['workspace:gateway', '@bufbuild/cel', '@opentelemetry/sdk-logs']) {
      assert.ok(loaded.has(name), `${name} was not loaded`)
    }
    assertAbsent(loaded, ['pg', 'qrcode'])
  })

  it('loads pg on PostgreSQL', async (t) => {
    const skip = await postgresSkipReason()
    if (skip !== false) {
      t.skip(skip)
      return
    }
    const schema = freshSchemaName()
    t.after(() => dropSchema(schema))
    const loaded = await serveOnce(freshDir(), [], {
      MANDATE_DATABASE: POSTGRES_TEST_URL,
      MANDATE_DATABASE_SCHEMA: schema,
    })
    assert.ok(loaded.has('pg'))
    assertAbsent(loaded, ['qrcode', 'workspace:gateway'])
  })
})
