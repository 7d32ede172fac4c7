import { randomBytes } from 'node:crypto'
import {
  constants,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  closeSync,
  writeSync,
} from 'node:fs'
import { dirname } from 'node:path'
import { ConfigurationError } from '@mandate/core'
import { KEY_BYTES } from './key-ring.ts'
import type { KeyProvider, KeyRing } from './key-ring.ts'

/** The on-disk format: JSON, one entry per key version, keys in base64url. */
export interface KeyFileContent {
  format: 'mandate-keys/1'
  active: number
  keys: { version: number; created_at: string; key: string }[]
}

const FORMAT = 'mandate-keys/1'

/**
 * The default key provider: a JSON key file with mode 0600, created on first use. Refuses a
 * file that group or others may read, or one that is malformed.
 */
export function keyFileProvider(
  path: string,
  { create = true }: { create?: boolean } = {},
): KeyProvider {
  return {
    description: `file ${path}`,
    load: () => {
      if (create && !exists(path)) createKeyFile(path)
      return Promise.resolve(readKeyFile(path))
    },
  }
}

/**
 * A key provider for containers: the key file's JSON, or one bare base64url key (version 1),
 * in an environment variable.
 */
export function environmentKeyProvider(variable: string, value: string | undefined): KeyProvider {
  return {
    description: `environment ${variable}`,
    load: () => {
      if (value === undefined || value.trim() === '') {
        throw new ConfigurationError('keys', `${variable} is empty`)
      }
      const text = value.trim()
      const content: unknown = text.startsWith('{')
        ? parseJson(text, variable)
        : { format: FORMAT, active: 1, keys: [{ version: 1, created_at: '', key: text }] }
      return Promise.resolve(toKeyRing(content, variable))
    },
  }
}

/** Creates a key file with one fresh key (version 1), mode 0600; fails if the file exists. */
export function createKeyFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  const content: KeyFileContent = {
    format: FORMAT,
    active: 1,
    keys: [
      {
        version: 1,
        created_at: new Date().toISOString(),
        key: randomBytes(KEY_BYTES).toString('base64url'),
      },
    ],
  }
  writeExclusive(path, content)
}

/** Reads and validates a key file, refusing one that group or others can access. */
export function readKeyFile(path: string): KeyRing {
  let mode: number
  try {
    mode = statSync(path).mode
  } catch (error) {
    throw new ConfigurationError(
      'keys.file',
      `cannot read key file ${path}: ${(error as Error).message}`,
      { cause: error },
    )
  }
  if ((mode & 0o077) !== 0) {
    throw new ConfigurationError(
      'keys.file',
      `key file ${path} is accessible to other users (mode ${(mode & 0o777).toString(8)}); run: chmod 600 ${path}`,
    )
  }
  return toKeyRing(parseJson(readFileSync(path, 'utf8'), path), path)
}

function toKeyRing(content: unknown, source: string): KeyRing {
  const fail = (what: string) => new ConfigurationError('keys.file', `${source}: ${what}`)
  if (typeof content !== 'object' || content === null) throw fail('not a key file')
  const { format, active, keys } = content as Partial<KeyFileContent>
  if (format !== FORMAT) throw fail(`unknown format (expected "${FORMAT}")`)
  if (!Array.isArray(keys) || keys.length === 0) throw fail('has no keys')
  const ring = new Map<number, Uint8Array>()
  for (const entry of keys) {
    if (!Number.isInteger(entry.version) || entry.version < 1)
      throw fail('has a key with an invalid version')
    if (ring.has(entry.version)) throw fail(`has key version ${String(entry.version)} twice`)
    const bytes =
      typeof entry.key === 'string' ? Buffer.from(entry.key, 'base64url') : Buffer.alloc(0)
    if (bytes.length !== KEY_BYTES)
      throw fail(`key version ${String(entry.version)} is not ${String(KEY_BYTES)} bytes`)
    ring.set(entry.version, new Uint8Array(bytes))
  }
  if (typeof active !== 'number' || !ring.has(active))
    throw fail('names an active version it does not contain')
  return { active, keys: ring }
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    // The parser's message may quote the content, which is key material: never pass it on.
    throw new ConfigurationError('keys.file', `${source}: not valid JSON`)
  }
}

function exists(path: string): boolean {
  try {
    statSync(path)
    return true
  } catch {
    return false
  }
}

function writeExclusive(path: string, content: KeyFileContent): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600)
  try {
    writeSync(fd, `${JSON.stringify(content, null, 2)}\n`)
  } finally {
    closeSync(fd)
  }
}
