import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import type { KeyRing } from '@mandate/vault'
import { AuthorizationServerError } from '../errors.ts'

// Secrets the authorization server keeps at rest (signing keys, TOTP secrets) are sealed
// with AES-256-GCM under the installation's key ring; the key version travels with the
// ciphertext so that a rotated ring still opens old records. `aad` binds a record to its row.
const PREFIX = 'sealed.v1'

export function seal(keyRing: KeyRing | undefined, plaintext: string, aad: string): string {
  if (keyRing === undefined) return `plain.${Buffer.from(plaintext).toString('base64url')}`
  const key = keyRing.keys.get(keyRing.active)
  if (key === undefined) throw new AuthorizationServerError('ERR_AS_KEY_RING', 'active key missing')
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(Buffer.from(aad))
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  const parts = [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url'))
  return `${PREFIX}.${String(keyRing.active)}.${parts.join('.')}`
}

export function unseal(keyRing: KeyRing | undefined, sealed: string, aad: string): string {
  if (sealed.startsWith('plain.')) {
    return Buffer.from(sealed.slice('plain.'.length), 'base64url').toString('utf8')
  }
  const [p1, p2, version, iv, tag, body] = sealed.split('.')
  const key = keyRing?.keys.get(Number(version))
  if (
    `${p1 ?? ''}.${p2 ?? ''}` !== PREFIX ||
    key === undefined ||
    !iv ||
    !tag ||
    body === undefined
  ) {
    throw new AuthorizationServerError('ERR_AS_UNSEAL', 'sealed value cannot be opened')
  }
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
  decipher.setAAD(Buffer.from(aad))
  decipher.setAuthTag(Buffer.from(tag, 'base64url'))
  return Buffer.concat([
    decipher.update(Buffer.from(body, 'base64url')),
    decipher.final(),
  ]).toString('utf8')
}
