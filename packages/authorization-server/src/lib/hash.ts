import { createHash } from 'node:crypto'

/** Hex SHA-256 of a value: how ids of codes, tokens and sessions are kept at rest. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex')
}
