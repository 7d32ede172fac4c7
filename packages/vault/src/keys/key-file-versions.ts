import { randomBytes } from 'node:crypto'
import {
  closeSync,
  constants,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs'
import { ConfigurationError } from '@mandate/core'
import { readKeyFile } from './key-file.ts'
import type { KeyFileContent } from './key-file.ts'
import { KEY_BYTES } from './key-ring.ts'

/**
 * Adds a fresh key version to a key file and makes it the active one (`mandate keys rotate`).
 * Older versions stay so existing records still decrypt. The file is replaced atomically.
 * @returns the new version.
 */
export function addKeyFileVersion(path: string, now: Date = new Date()): number {
  const content = readContent(path)
  const version = Math.max(...content.keys.map((entry) => entry.version)) + 1
  content.keys.push({
    version,
    created_at: now.toISOString(),
    key: randomBytes(KEY_BYTES).toString('base64url'),
  })
  content.active = version
  replaceAtomically(path, content)
  return version
}

/**
 * Removes a retired key version from a key file. Callers check first that no record uses it
 * (see `retireKeyVersion`); the active version cannot be removed.
 */
export function removeKeyFileVersion(path: string, version: number): void {
  const content = readContent(path)
  if (content.active === version) {
    throw new ConfigurationError('keys.file', `key version ${String(version)} is the active one`)
  }
  const remaining = content.keys.filter((entry) => entry.version !== version)
  if (remaining.length === content.keys.length) return
  content.keys = remaining
  replaceAtomically(path, content)
}

function readContent(path: string): KeyFileContent {
  readKeyFile(path) // validates format and permissions
  return JSON.parse(readFileSync(path, 'utf8')) as KeyFileContent
}

// Write a sibling with mode 0600, flush it, then rename over the original: a crash leaves
// either the old file or the new one, never a torn key file.
function replaceAtomically(path: string, content: KeyFileContent): void {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`
  const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600)
  try {
    writeSync(fd, `${JSON.stringify(content, null, 2)}\n`)
    fsyncSync(fd)
  } catch (error) {
    closeSync(fd)
    rmSync(temporary, { force: true })
    throw error
  }
  closeSync(fd)
  renameSync(temporary, path)
}
