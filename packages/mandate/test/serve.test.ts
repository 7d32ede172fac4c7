import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { get as httpGet } from 'node:http'
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { after, describe, it } from 'node:test'
import { collect, runCli, spawnCli, waitForListening } from '../../../test/support/cli.ts'
import {
  dropSchema,
  freshSchemaName,
  POSTGRES_TEST_URL,
  postgresSkipReason,
} from '../../../test/support/postgres.ts'

const dirs: string[] = []
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'mandate-serve-'))
  dirs.push(dir)
  return dir
}
const children: ChildProcess[] = []
const serve = (args: string[], options: Parameters<typeof spawnCli>[1] = {}) => {
  const child = spawnCli(['serve', '--port', '0', ...args], options)
  children.push(child)
  return child
}
after(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

describe('mandate serve on the embedded default', () => {
  it('serves /healthz and /readyz, then stops cleanly on SIGTERM', async () => {
    const dir = freshDir()
    const child = serve([], { cwd: dir })
    const { url, banner } = await waitForListening(child)
    const health = await fetch(new URL('/healthz', url))
    assert.equal(health.status, 200)
    assert.deepEqual(await health.json(), { status: 'ok' })
    assert.match(health.headers.get('x-request-id') ?? '', /^[\w-]{36}$/)

    const ready = await fetch(new URL('/readyz', url), { headers: { 'X-Request-Id': 'abc-123' } })
    assert.deepEqual(await ready.json(), { status: 'ready' })
    assert.equal(ready.headers.get('x-request-id'), 'abc-123')
    const injected = await fetch(new URL('/healthz', url), {
      headers: { 'X-Request-Id': `forged" "level":"error${'x'.repeat(200)}` },
    })
    assert.match(injected.headers.get('x-request-id') ?? '', /^[\w-]{36}$/)

    const notFound = await fetch(new URL('/nope?code=SECRETCODE', url))
    assert.equal(notFound.status, 404)

    const exited = collect(child)
    child.kill('SIGTERM')
    const result = await exited
    assert.equal(result.code, 0)

    // The data directory is where the banner said, owner-only, and the database is whole.
    const dataDir = join(dir, '.mandate')
    assert.match(banner, new RegExp(`database\\s+SQLite ${dataDir}/mandate.db`))
    assert.equal(statSync(join(dataDir, 'master.key')).mode & 0o777, 0o600)
    assert.equal(statSync(join(dataDir, 'mandate.db')).mode & 0o777, 0o600)
    assert.equal(existsSync(join(dataDir, 'mandate.db-wal')), false)
    const db = new DatabaseSync(join(dataDir, 'mandate.db'), { readOnly: true })
    assert.deepEqual({ ...db.prepare('pragma integrity_check').get() }, { integrity_check: 'ok' })
    db.close()

    // Logs are JSON lines, and the query string (which may carry a code) is not in them.
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((text) => JSON.parse(text) as Record<string, unknown>)
    assert.ok(lines.some((entry) => entry['path'] === '/nope' && entry['status'] === 404))
    assert.doesNotMatch(result.stdout, /SECRETCODE/)
    assert.ok(lines.some((entry) => entry['msg'] === 'stopped'))
  })

  it('answers only as its public URL: metadata is consistent and a forged Host gets 421', async () => {
    const child = serve(['--data-dir', freshDir()])
    const { url } = await waitForListening(child)
    const metadata = (await (
      await fetch(new URL('/.well-known/oauth-authorization-server', url))
    ).json()) as Record<string, unknown>
    assert.equal(metadata['issuer'], url.origin)
    for (const endpoint of ['authorization_endpoint', 'token_endpoint', 'jwks_uri']) {
      assert.ok(String(metadata[endpoint]).startsWith(`${url.origin}/`), endpoint)
    }
    const forged = await rawGet(url, '/.well-known/oauth-authorization-server', 'evil.example')
    assert.equal(forged.status, 421)
    assert.doesNotMatch(forged.body, /evil\.example/)
    assert.equal((await rawGet(url, '/healthz', '10.0.0.1:8080')).status, 200)
    child.kill('SIGTERM')
  })

  it('keeps an idle connection open longer than a proxy would (no reset on reuse)', async () => {
    const child = serve(['--data-dir', freshDir()])
    const { url } = await waitForListening(child)
    // Node announces its idle timeout; the 5 s default would say timeout=5.
    const health = await rawGet(url, '/healthz', url.host)
    assert.equal(health.status, 200)
    assert.equal(health.keepAlive, 'timeout=65')
    child.kill('SIGTERM')
  })

  it('restarts on the same data directory with the same key', async () => {
    const dir = freshDir()
    for (let round = 0; round < 2; round += 1) {
      const child = serve(['--data-dir', dir])
      await waitForListening(child)
      const exited = collect(child)
      child.kill('SIGINT')
      const result = await exited
      assert.equal(result.code, 0, result.stderr)
    }
  })
})

describe('mandate serve on PostgreSQL', async () => {
  const skip = await postgresSkipReason()
  const schema = freshSchemaName()
  after(async () => {
    if (skip === false) await dropSchema(schema)
  })

  it('migrates, reports ready and stops on SIGTERM', { skip }, async () => {
    const child = serve(['--data-dir', freshDir()], {
      env: { MANDATE_DATABASE: POSTGRES_TEST_URL, MANDATE_DATABASE_SCHEMA: schema },
    })
    const { url: listening, banner } = await waitForListening(child)
    const ready = await fetch(new URL('/readyz', listening))
    assert.deepEqual(await ready.json(), { status: 'ready' })
    const exited = collect(child)
    child.kill('SIGTERM')
    const result = await exited
    assert.equal(result.code, 0)
    assert.match(banner, /database\s+PostgreSQL 127\.0\.0\.1:5432\/test/)
  })
})

describe('mandate config check', () => {
  it('prints the resolved configuration with the database password masked', async () => {
    const result = await runCli(['config', 'check', '--port', '9999'], {
      env: { MANDATE_DATABASE: 'postgres://app:s3cr3t-pass@db.internal:5432/mandate' },
    })
    assert.equal(result.code, 0)
    const printed = JSON.parse(result.stdout) as {
      server: { port: number }
      database: { url: string }
    }
    assert.equal(printed.server.port, 9999)
    assert.equal(printed.database.url, 'postgres://app:%5Bredacted%5D@db.internal:5432/mandate')
    assert.doesNotMatch(result.stdout + result.stderr, /s3cr3t/)
    assert.match(result.stderr, /server\.port from --port/)
    assert.match(result.stderr, /database\.url from MANDATE_DATABASE/)
  })
})

/** A GET with a chosen Host header (fetch does not let a caller set Host). */
function rawGet(
  url: URL,
  path: string,
  host: string,
): Promise<{ status: number; body: string; keepAlive: string | undefined }> {
  return new Promise((resolve, reject) => {
    const request = httpGet(
      { host: url.hostname, port: url.port, path, headers: { host } },
      (response) => {
        let body = ''
        response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
        response.on('end', () => {
          const keepAlive = response.headers['keep-alive']
          resolve({
            status: response.statusCode ?? 0,
            body,
            keepAlive: typeof keepAlive === 'string' ? keepAlive : undefined,
          })
        })
      },
    )
    request.on('error', reject)
  })
}
