import { isSecretField, redactString } from '../log/redact.ts'
import { AUDIT_EVENT_CATALOGUE } from './catalogue.ts'
import type { AuditOutcome } from './events.ts'

/** Any typed audit event (core's, the vault's, a gateway's): a `type` and flat fields. */
export interface AuditInput {
  type: string
  time?: string | number
  [field: string]: unknown
}

/** The columns every stored event has (docs/audit.md); absent values are null. */
export interface AuditRecord {
  /** Milliseconds since the epoch. */
  time: number
  type: string
  outcome: AuditOutcome
  sub: string | null
  user_name: string | null
  client_id: string | null
  client_name: string | null
  /** The `act` chain as JSON. */
  act: string | null
  tool: string | null
  server: string | null
  scope_requested: string | null
  scope_granted: string | null
  acr: string | null
  /** Space-separated. */
  amr: string | null
  ip: string | null
  user_agent: string | null
  request_id: string | null
  instance_id: string | null
  /** The event's other fields as JSON (sorted keys), secret-named fields dropped. */
  detail: string
}

/** The columns of {@link AuditRecord} in their hashing order (never reordered: chain format v1). */
export const AUDIT_RECORD_FIELDS = [
  'time',
  'type',
  'outcome',
  'sub',
  'user_name',
  'client_id',
  'client_name',
  'act',
  'tool',
  'server',
  'scope_requested',
  'scope_granted',
  'acr',
  'amr',
  'ip',
  'user_agent',
  'request_id',
  'instance_id',
  'detail',
] as const satisfies readonly (keyof AuditRecord)[]

const STRING_FIELDS = [
  'sub',
  'user_name',
  'client_id',
  'client_name',
  'tool',
  'server',
  'scope_requested',
  'scope_granted',
  'acr',
  'ip',
  'user_agent',
  'request_id',
  'instance_id',
] as const
const OUTCOMES = new Set(['success', 'failure', 'allowed', 'denied', 'recorded'])
const MAX_STRING = 2048
// What every token shape masked by `redactString` contains; most values contain none of them.
const MAYBE_SECRET = /eyJ|bearer|dpop|basic|-----BEGIN/i

// Fields that map to columns; everything else goes to `detail`. None is secret-named.
const MAPPED: ReadonlySet<string> = new Set([
  'type',
  'time',
  'outcome',
  'scope',
  'aud',
  'act',
  'amr',
  ...STRING_FIELDS,
])

/**
 * Flattens an event into the stored columns. Emitters' own names are mapped (`scope` is what
 * was granted, `aud` the server); every other field goes to `detail`, except secret-named
 * fields, which are dropped, and token-shaped substrings, which are masked (defence in depth:
 * emitters never pass secrets). Runs once per event on the request path: fields are read in
 * place, with no intermediate copies (bench/audit).
 */
export function toAuditRecord(event: AuditInput, now: number = Date.now()): AuditRecord {
  const record = { detail: '' } as AuditRecord
  record.type = clip(event.type)
  const time = event.time
  record.time = typeof time === 'number' ? time : typeof time === 'string' ? Date.parse(time) : now
  if (Number.isNaN(record.time)) record.time = now
  const outcome = event['outcome']
  const known = (AUDIT_EVENT_CATALOGUE as Record<string, { outcome: AuditOutcome } | undefined>)[
    event.type
  ]
  record.outcome =
    typeof outcome === 'string' && OUTCOMES.has(outcome)
      ? (outcome as AuditOutcome)
      : (known?.outcome ?? 'recorded')
  for (const key of STRING_FIELDS) record[key] = str(event[key])
  record.scope_granted ??= str(event['scope'])
  const aud = event['aud']
  record.server ??= str(Array.isArray(aud) ? aud.join(' ') : aud)
  const act = event['act']
  record.act = act === undefined || act === null ? null : clip(JSON.stringify(act))
  const amr = event['amr']
  record.amr = Array.isArray(amr) ? str(amr.join(' ')) : str(amr)
  record.detail = clip(JSON.stringify(detailOf(event)), 8192)
  return record
}

/** The unmapped, non-secret fields, keys sorted (a null-prototype object: `__proto__` stays data). */
function detailOf(event: AuditInput): Record<string, unknown> {
  const keys: string[] = []
  for (const key of Object.keys(event)) {
    if (!MAPPED.has(key) && event[key] !== undefined && !isSecretField(key)) keys.push(key)
  }
  // Default sort: UTF-16 code unit order.
  keys.sort()
  const detail = Object.create(null) as Record<string, unknown>
  for (const key of keys) detail[key] = event[key]
  return detail
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? clip(value) : null
}

function clip(value: string, max = MAX_STRING): string {
  // NUL and lone surrogates are refused by PostgreSQL text and JSON: one such event must not
  // wedge the chain, so they are dropped or replaced here, before hashing. Each step copies
  // only when it changes something.
  const cleaned = value.includes('\0') ? value.replaceAll('\0', '') : value
  const masked = MAYBE_SECRET.test(cleaned) ? redactString(cleaned) : cleaned
  const cut = masked.length > max ? masked.slice(0, max) : masked
  return cut.isWellFormed() ? cut : cut.toWellFormed()
}
