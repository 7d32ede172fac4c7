import { hash } from 'node:crypto'
import { AUDIT_RECORD_FIELDS } from './record.ts'
import type { AuditRecord } from './record.ts'

/** A stored event: its record and its place in its instance's chain (docs/audit.md). */
export interface ChainedAuditRecord extends AuditRecord {
  /** One stream per running instance (`<instance id>/<boot id>`). */
  stream: string
  /** 1, 2, 3… within the stream, without gaps. */
  seq: number
  /** The hash of the event before (the stream's genesis hash for seq 1). */
  prev_hash: string
  hash: string
}

/** A signed anchor of a stream's chain at `seq`. */
export interface AuditCheckpoint {
  stream: string
  seq: number
  hash: string
  /** Milliseconds since the epoch. */
  time: number
  /** Id of the key that signed it. */
  kid: string
  /** Signature (base64url) over {@link auditCheckpointPayload}. */
  signature: string
}

// One-shot: no Hash object per event (the chain hashes every event on the writer's path).
const sha256 = (text: string): string => hash('sha256', text, 'hex')

/** The `prev_hash` of a stream's first event. */
export function auditGenesisHash(stream: string): string {
  return sha256(`mandate-audit-v1-genesis\n${stream}`)
}

/**
 * SHA-256 (hex) over the previous hash, the stream, the sequence number and every column in
 * {@link AUDIT_RECORD_FIELDS} order, as one JSON array: no canonicalisation ambiguity.
 */
export function auditEventHash(
  record: Omit<ChainedAuditRecord, 'hash'> | ChainedAuditRecord,
): string {
  return auditHashOf(auditHashInput(record))
}

/**
 * The text {@link auditEventHash} hashes: `["v1", prev_hash, stream, seq, ...columns]` as JSON.
 * Every stored column but `hash` is in it, so a writer that keeps it can send a row without
 * serialising the record again (the PostgreSQL insert).
 */
export function auditHashInput(record: Omit<ChainedAuditRecord, 'hash'>): string {
  const values: unknown[] = ['v1', record.prev_hash, record.stream, record.seq]
  for (const field of AUDIT_RECORD_FIELDS) values.push(record[field])
  return JSON.stringify(values)
}

/** The chain hash of an {@link auditHashInput} text. */
export function auditHashOf(input: string): string {
  return sha256(input)
}

/** The bytes a checkpoint signs. */
export function auditCheckpointPayload(
  checkpoint: Pick<AuditCheckpoint, 'stream' | 'seq' | 'hash' | 'time' | 'kid'>,
): Buffer {
  const { stream, seq, hash, time, kid } = checkpoint
  return Buffer.from(JSON.stringify(['mandate-audit-checkpoint-v1', stream, seq, hash, time, kid]))
}
