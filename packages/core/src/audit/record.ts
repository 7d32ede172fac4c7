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
 * emitters never pass secrets). Runs once per event on the request path, so the record is one
 * object literal (one hidden class for every record, fields read by name): a record built
 * field by field through a list of keys cost several times more (bench/audit). The literal
 * keeps the key order records always had (forwarded records are serialised as they are).
 */
export function toAuditRecord(event: AuditInput, now: number = Date.now()): AuditRecord {
  const { act, amr, aud } = event
  const detail = clip(detailJson(event), 8192)
  return {
    detail,
    type: clip(event.type),
    time: timeOf(event.time, now),
    outcome: outcomeOf(event),
    sub: str(event['sub']),
    user_name: str(event['user_name']),
    client_id: str(event['client_id']),
    client_name: str(event['client_name']),
    tool: str(event['tool']),
    server: str(event['server']) ?? str(Array.isArray(aud) ? aud.join(' ') : aud),
    scope_requested: str(event['scope_requested']),
    scope_granted: str(event['scope_granted']) ?? str(event['scope']),
    acr: str(event['acr']),
    ip: str(event['ip']),
    user_agent: str(event['user_agent']),
    request_id: str(event['request_id']),
    instance_id: str(event['instance_id']),
    act: act === undefined || act === null ? null : clip(JSON.stringify(act)),
    amr: Array.isArray(amr) ? str(amr.join(' ')) : str(amr),
  }
}

function timeOf(time: unknown, now: number): number {
  const parsed = typeof time === 'number' ? time : typeof time === 'string' ? Date.parse(time) : now
  return Number.isNaN(parsed) ? now : parsed
}

function outcomeOf(event: AuditInput): AuditOutcome {
  const outcome = event['outcome']
  if (typeof outcome === 'string' && OUTCOMES.has(outcome)) return outcome as AuditOutcome
  const known = (AUDIT_EVENT_CATALOGUE as Record<string, { outcome: AuditOutcome } | undefined>)[
    event.type
  ]
  return known?.outcome ?? 'recorded'
}

/**
 * The unmapped, non-secret fields as JSON, keys sorted (UTF-16 code unit order). Written key by
 * key, which is what `JSON.stringify` of an object with those keys in that order produces
 * (a value it leaves out, a function or symbol, leaves its key out here too): the null-prototype
 * object it was serialised from before (so that `__proto__` stays data) was most of this
 * function's cost (bench/audit). A top-level `toJSON` is called with its key by
 * `JSON.stringify` of the object, so an event holding one takes that path.
 */
function detailJson(event: AuditInput): string {
  const keys: string[] = []
  let custom = false
  for (const key of Object.keys(event)) {
    const value = event[key]
    if (value === undefined || MAPPED.has(key) || isSecretField(key)) continue
    keys.push(key)
    custom ||= hasToJson(value)
  }
  if (keys.length === 0) return '{}'
  keys.sort()
  if (custom) return JSON.stringify(detailOf(event, keys))
  let json = ''
  for (const key of keys) {
    const value = JSON.stringify(event[key]) as string | undefined
    if (value !== undefined) json += `${json === '' ? '' : ','}${JSON.stringify(key)}:${value}`
  }
  return `{${json}}`
}

function hasToJson(value: unknown): boolean {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false
  return typeof (value as { toJSON?: unknown }).toJSON === 'function'
}

/** The fields `keys` of an event as a null-prototype object: `__proto__` stays data. */
function detailOf(event: AuditInput, keys: readonly string[]): Record<string, unknown> {
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
