// Real Ed25519 checkpoint signing for the audit tests, and a sink writer for a fresh stream.
import { generateKeyPairSync, sign, verify } from 'node:crypto'
import { auditCheckpointPayload } from '@mandate/core'
import type { AuditCheckpoint } from '@mandate/core'
import { createStoreAuditSink } from '@mandate/store'
import type { AuditSigner, Store, StoreAuditSinkOptions } from '@mandate/store'

export function testSigner(): { signer: AuditSigner; verify: (c: AuditCheckpoint) => boolean } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  return {
    signer: {
      kid: 'test',
      sign: (payload) => sign(null, payload, privateKey).toString('base64url'),
    },
    verify: (c) =>
      c.kid === 'test' &&
      verify(null, auditCheckpointPayload(c), publicKey, Buffer.from(c.signature, 'base64url')),
  }
}

/** Writes `count` events to a new stream and closes it (final checkpoint); returns the stream. */
export async function writeStream(
  store: Store,
  signer: AuditSigner,
  count: number,
  options: Partial<StoreAuditSinkOptions> & { time?: (i: number) => number } = {},
): Promise<string> {
  const sink = createStoreAuditSink(store, { instanceId: 'test', signer, ...options })
  for (let i = 1; i <= count; i++) {
    sink.emit({
      type: 'mcp.tool_call',
      outcome: i % 3 === 0 ? 'denied' : 'allowed',
      sub: `user-${String(i % 4)}`,
      client_id: 'client-a',
      tool: 'notes_list',
      server: 'https://notes.example/mcp',
      ...(options.time === undefined ? {} : { time: options.time(i) }),
    })
  }
  await sink.close()
  return sink.stream
}
