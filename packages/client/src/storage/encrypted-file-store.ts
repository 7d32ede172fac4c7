import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { chmod, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises'
import { dirname } from 'node:path'

import { ClientError } from '../errors.ts'
import type { CredentialStore, ServerCredentials } from './credential-store.ts'

/** Supplies the 256-bit key that encrypts the token file. */
export interface KeySource {
  getKey(): Promise<Uint8Array>
}

/**
 * An OS keychain (macOS Keychain, Secret Service, Windows Credential Manager) as seen by
 * {@link keychainKeySource}; {@link osKeychain} is the built-in one.
 */
export interface KeychainBackend {
  getPassword(service: string, account: string): Promise<string | undefined>
  setPassword(service: string, account: string, password: string): Promise<void>
}

const FORMAT = 'mandate-client-store/1'

/** A key kept in a 0600 file next to the data, created on first use. */
export function fileKeySource(path: string): KeySource {
  return {
    getKey: async () => {
      const existing = await readPrivateFile(path)
      if (existing !== undefined) {
        const key = Buffer.from(existing.toString('utf8').trim(), 'base64url')
        if (key.length !== 32)
          throw new ClientError('ERR_CLIENT_STORE_CORRUPT', 'key file is not a 256-bit key')
        return key
      }
      const key = randomBytes(32)
      await writePrivateFile(path, key.toString('base64url'), true)
      return key
    },
  }
}

/** The file key kept in the OS keychain instead of a key file. */
export function keychainKeySource(backend: KeychainBackend, account = 'token-store'): KeySource {
  const service = 'mandate-client'
  return {
    getKey: async () => {
      const stored = await backend.getPassword(service, account)
      if (stored !== undefined) {
        const key = Buffer.from(stored, 'base64url')
        if (key.length !== 32)
          throw new ClientError('ERR_CLIENT_STORE_CORRUPT', 'keychain entry is not a 256-bit key')
        return key
      }
      const key = randomBytes(32)
      await backend.setPassword(service, account, key.toString('base64url'))
      return key
    },
  }
}

/** The file of {@link createEncryptedFileStore} and where its key comes from. */
export interface EncryptedFileStoreOptions {
  /** The token file, e.g. `~/.config/mandate/credentials.enc`. */
  path: string
  /** Default: a key file at `${path}.key`. */
  keySource?: KeySource
}

/**
 * The default credential store: one AES-256-GCM encrypted file (fresh 96-bit IV per write, the
 * server key as AAD so entries cannot be swapped), mode 0600 in a 0700 directory. A file that
 * group or others can read is refused, not repaired (catalogue #172).
 */
export function createEncryptedFileStore(options: EncryptedFileStoreOptions): CredentialStore {
  const keySource = options.keySource ?? fileKeySource(`${options.path}.key`)
  let queue: Promise<unknown> = Promise.resolve()
  const serialise = <T>(task: () => Promise<T>): Promise<T> => {
    const next = queue.then(task, task)
    queue = next.catch(() => undefined)
    return next
  }

  const readAll = async (): Promise<Record<string, string>> => {
    const raw = await readPrivateFile(options.path)
    if (raw === undefined) return {}
    const parsed = JSON.parse(raw.toString('utf8')) as {
      format?: string
      entries?: Record<string, string>
    }
    if (parsed.format !== FORMAT || typeof parsed.entries !== 'object') {
      throw new ClientError('ERR_CLIENT_STORE_CORRUPT', 'unrecognised token file')
    }
    return parsed.entries
  }
  const writeAll = async (entries: Record<string, string>): Promise<void> => {
    await writePrivateFile(options.path, JSON.stringify({ format: FORMAT, entries }), false)
  }

  return {
    load: (serverKey) =>
      serialise(async () => {
        const sealed = (await readAll())[serverKey]
        if (sealed === undefined) return undefined
        const plain = decrypt(await keySource.getKey(), sealed, serverKey)
        return JSON.parse(plain) as ServerCredentials
      }),
    save: (serverKey, credentials) =>
      serialise(async () => {
        const entries = await readAll()
        entries[serverKey] = encrypt(
          await keySource.getKey(),
          JSON.stringify(credentials),
          serverKey,
        )
        await writeAll(entries)
      }),
    delete: (serverKey) =>
      serialise(async () => {
        const entries = await readAll()
        if (!(serverKey in entries)) return
        await writeAll(
          Object.fromEntries(Object.entries(entries).filter(([key]) => key !== serverKey)),
        )
      }),
  }
}

function encrypt(key: Uint8Array, plain: string, aad: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(Buffer.from(aad, 'utf8'))
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
  return [iv, cipher.getAuthTag(), body].map((part) => part.toString('base64url')).join('.')
}

function decrypt(key: Uint8Array, sealed: string, aad: string): string {
  const [iv, tag, body] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'))
  if (iv === undefined || tag === undefined || body === undefined) {
    throw new ClientError('ERR_CLIENT_STORE_CORRUPT', 'malformed token file entry')
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv)
    decipher.setAAD(Buffer.from(aad, 'utf8'))
    decipher.setAuthTag(tag)
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8')
  } catch (error) {
    throw new ClientError('ERR_CLIENT_STORE_CORRUPT', 'token file entry failed authentication', {
      cause: error,
    })
  }
}

/** Reads a file that must be private to this user; refuses one that group or others can access. */
async function readPrivateFile(path: string): Promise<Buffer | undefined> {
  let info
  try {
    info = await stat(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
    throw new ClientError(
      'ERR_CLIENT_STORE_PERMISSIONS',
      `refusing ${path}: readable by group or others (mode ${(info.mode & 0o777).toString(8)}), run chmod 600`,
    )
  }
  return readFile(path)
}

/** Writes atomically (temp file + rename) with mode 0600 inside a 0700 directory. */
async function writePrivateFile(path: string, content: string, exclusive: boolean): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`
  const handle = await open(temp, 'wx', 0o600)
  try {
    await handle.writeFile(content, 'utf8')
    await handle.sync()
  } finally {
    await handle.close()
  }
  await chmod(temp, 0o600)
  if (exclusive) {
    // A key that appeared meanwhile wins; never overwrite a key (it would orphan the data).
    const current = await readPrivateFile(path)
    if (current !== undefined) {
      await unlink(temp)
      return
    }
  }
  await rename(temp, path)
}
