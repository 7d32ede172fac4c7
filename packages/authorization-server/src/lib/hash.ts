import { hash } from 'node:crypto'

/** Hex SHA-256 of a value: how ids of codes, tokens and sessions are kept at rest. */
export function sha256Hex(value: string): string {
  // The one-shot form: several ids are hashed per token request, and it skips the Hash object.
  return hash('sha256', value, 'hex')
}
