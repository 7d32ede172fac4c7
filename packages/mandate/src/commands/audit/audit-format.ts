import { AUDIT_RECORD_FIELDS } from '@mandate/core'
import type { StoredAuditEvent } from '@mandate/store'

/** Export columns: the row id, the chain position, every record field, the hashes. */
export const EXPORT_COLUMNS = [
  'id',
  'stream',
  'seq',
  ...AUDIT_RECORD_FIELDS,
  'prev_hash',
  'hash',
] as const

/** One JSON Lines record: `time` as ISO 8601, `act` and `detail` as objects. */
export function toJsonLine(event: StoredAuditEvent): string {
  const out: Record<string, unknown> = {}
  for (const column of EXPORT_COLUMNS) out[column] = event[column]
  out['time'] = new Date(event.time).toISOString()
  out['act'] = event.act === null ? null : (JSON.parse(event.act) as unknown)
  out['detail'] = JSON.parse(event.detail) as unknown
  return JSON.stringify(out)
}

/** The header row of `mandate audit export --format csv`. */
export const CSV_HEADER = EXPORT_COLUMNS.join(',')

/** One RFC 4180 CSV row; cells that a spreadsheet would run as formulas are prefixed with '. */
export function toCsvRow(event: StoredAuditEvent): string {
  return EXPORT_COLUMNS.map((column) => {
    const value = column === 'time' ? new Date(event.time).toISOString() : event[column]
    return csvCell(value === null ? '' : String(value))
  }).join(',')
}

function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

/** One human line: time, outcome, type, who (user via client), what, why. */
export function toTableLine(event: StoredAuditEvent): string {
  const who = `${event.user_name ?? event.sub ?? '-'} via ${event.client_name ?? event.client_id ?? '-'}`
  const act = event.act === null ? '' : ` act=${event.act}`
  const what = event.tool === null ? '' : ` tool=${event.tool}`
  const reason = (JSON.parse(event.detail) as { reason?: unknown }).reason
  const why = typeof reason === 'string' ? ` reason=${reason}` : ''
  return `${new Date(event.time).toISOString()}  ${event.outcome.padEnd(8)} ${event.type.padEnd(24)} ${who}${what}${act}${why}  #${String(event.id)}`
}
