// The OS keychain as the token store's key holder, against a real Secret Service: a private
// D-Bus session bus with GNOME Keyring (unlocked) started by this test, reached through
// @napi-rs/keyring. Needs `dbus-daemon`, `dbus-send` and `gnome-keyring-daemon` (.ci/run
// installs them).
import assert from 'node:assert/strict'
import { execFile, execFileSync, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { access, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, describe, test } from 'node:test'

import {
  createEncryptedFileStore,
  defaultKeySource,
  MandateOAuthProvider,
  osKeychain,
} from '@mandate/client'
import type { ServerCredentials } from '@mandate/client'

const missing = ['dbus-daemon', 'dbus-send', 'gnome-keyring-daemon'].filter((tool) => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' })
    return false
  } catch {
    return true
  }
})
if (missing.length > 0 && process.env['CI'] !== undefined) {
  throw new Error(`CI must provide a Secret Service; missing: ${missing.join(', ')}`)
}
const skip = missing.length > 0 ? `no Secret Service here (missing ${missing.join(', ')})` : false

const children: ChildProcess[] = []
let dir = ''

/** Reads the first line a child prints on stdout. */
function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolveLine, reject) => {
    let seen = ''
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      seen += chunk
      const end = seen.indexOf('\n')
      if (end >= 0) resolveLine(seen.slice(0, end).trim())
    })
    child.on('exit', (code) => {
      reject(new Error(`${child.spawnfile} exited (${String(code)})`))
    })
  })
}

before(async () => {
  if (skip !== false) return
  dir = await mkdtemp(join(tmpdir(), 'mandate-keychain-'))
  const bus = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  })
  children.push(bus)
  const address = await firstLine(bus)
  process.env['DBUS_SESSION_BUS_ADDRESS'] = address
  const env = { ...process.env, HOME: dir, XDG_DATA_HOME: join(dir, 'data') }
  const daemon = spawn(
    'gnome-keyring-daemon',
    ['--foreground', '--unlock', '--components=secrets'],
    { env, stdio: ['pipe', 'pipe', 'ignore'] },
  )
  children.push(daemon)
  daemon.stdin.end('keychain-test-password')
  await firstLine(daemon)
  // Under load the daemon may print before it owns the Secret Service name; a call made then
  // would make the bus start another keyring daemon of its own (D-Bus activation). Asking the
  // bus who owns the name activates nothing.
  for (let attempt = 0; !(await secretServiceOwned(address)); attempt++) {
    if (daemon.exitCode !== null) throw new Error('gnome-keyring-daemon exited')
    // Guards a hang only: a daemon that never takes the name fails here, not at the watchdog.
    if (attempt === 3000) throw new Error('gnome-keyring-daemon never owned the Secret Service')
    await new Promise((resolveWait) => setTimeout(resolveWait, 20))
  }
})

function secretServiceOwned(address: string): Promise<boolean> {
  return new Promise((resolveOwned) => {
    execFile(
      'dbus-send',
      [
        `--bus=${address}`,
        '--print-reply',
        '--dest=org.freedesktop.DBus',
        '/org/freedesktop/DBus',
        'org.freedesktop.DBus.NameHasOwner',
        'string:org.freedesktop.secrets',
      ],
      (error, stdout) => {
        resolveOwned(error === null && /boolean true/.test(stdout))
      },
    )
  })
}
after(async () => {
  for (const child of children) child.kill('SIGTERM')
  if (dir !== '') await rm(dir, { recursive: true, force: true })
})

const sample = (token: string): ServerCredentials => ({
  clients: { 'https://as.example': { client_id: 'c1' } },
  tokens: { 'https://as.example': { access_token: token, token_type: 'Bearer' } },
  latestIssuer: 'https://as.example',
})
const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  )

void describe('OS keychain (Secret Service) behind the token store', { skip }, () => {
  void test('the file key lives in the keychain; a new store instance reads the same tokens', async () => {
    const path = join(dir, 'one', 'credentials.enc')
    const store = createEncryptedFileStore({ path, keySource: defaultKeySource(path) })
    await store.save('https://mcp.example/mcp', sample('token-one'))
    assert.equal(await exists(`${path}.key`), false, 'no key file next to the data')
    const entry = await (await osKeychain())?.getPassword('mandate-client', resolve(path))
    assert.equal(Buffer.from(entry ?? '', 'base64url').length, 32)
    // What a restarted host does: a fresh store and key source on the same file.
    const again = createEncryptedFileStore({ path, keySource: defaultKeySource(path) })
    assert.deepEqual(await again.load('https://mcp.example/mcp'), sample('token-one'))
  })

  void test('a DPoP key persisted through a keychain-keyed store is the same key next run', async () => {
    const path = join(dir, 'dpop', 'credentials.enc')
    const provider = () =>
      new MandateOAuthProvider({
        serverUrl: 'https://mcp.example/mcp',
        store: createEncryptedFileStore({ path, keySource: defaultKeySource(path) }),
        redirectUrl: 'http://127.0.0.1:9/callback',
        clientMetadata: { client_name: 't', redirect_uris: ['http://127.0.0.1:9/callback'] },
        allowLegacyDiscovery: false,
        allowLoopback: false,
        dpop: 'require',
        persistDpopKey: true,
      })
    const first = (await provider().dpop())?.thumbprint
    const second = (await provider().dpop())?.thumbprint
    assert.ok(first !== undefined)
    assert.equal(second, first)
  })

  void test('no keychain: the encrypted file key is the fallback (and is kept from then on)', async () => {
    const path = join(dir, 'fallback', 'credentials.enc')
    const reasons: string[] = []
    const store = createEncryptedFileStore({
      path,
      keySource: defaultKeySource(path, { keychain: null, onFallback: (r) => reasons.push(r) }),
    })
    await store.save('https://mcp.example/mcp', sample('token-two'))
    assert.equal(await exists(`${path}.key`), true)
    assert.equal(reasons.length, 1)
    // Later runs with a keychain keep using the key file this store was created with.
    const later = createEncryptedFileStore({ path, keySource: defaultKeySource(path) })
    assert.deepEqual(await later.load('https://mcp.example/mcp'), sample('token-two'))
  })

  void test('a keychain-keyed file whose keychain cannot be reached is refused, not re-keyed', async () => {
    const path = join(dir, 'unreachable', 'credentials.enc')
    const keyed = createEncryptedFileStore({ path, keySource: defaultKeySource(path) })
    await keyed.save('https://mcp.example/mcp', sample('token-three'))
    // The Secret Service goes away (last test: the daemon is not started again).
    const daemon = children[1]
    assert.ok(daemon !== undefined)
    const gone = new Promise((resolveExit) => daemon.once('exit', resolveExit))
    daemon.kill('SIGTERM')
    await gone
    const reasons: string[] = []
    const store = createEncryptedFileStore({
      path,
      keySource: defaultKeySource(path, { onFallback: (r) => reasons.push(r) }),
    })
    await assert.rejects(store.load('https://mcp.example/mcp'), { code: 'ERR_CLIENT_KEYCHAIN' })
    assert.equal(await exists(`${path}.key`), false)
    // Positive control: a new store falls back to a key file when the keychain is unreachable.
    const fresh = join(dir, 'unreachable-new', 'credentials.enc')
    const other = createEncryptedFileStore({
      path: fresh,
      keySource: defaultKeySource(fresh, { onFallback: (r) => reasons.push(r) }),
    })
    await other.save('https://mcp.example/mcp', sample('token-four'))
    assert.deepEqual(await other.load('https://mcp.example/mcp'), sample('token-four'))
    assert.deepEqual(reasons, ['the OS keychain cannot be reached'])
  })
})
