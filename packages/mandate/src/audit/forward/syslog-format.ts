import type { ChainedAuditRecord } from '@mandate/core'

/** The parts of an RFC 5424 header that do not change per event. */
export interface SyslogHeader {
  /** RFC 5424 §6.2.1 facility (13 = log audit). */
  facility: number
  hostname: string
  appName: string
  procId: string
}

// RFC 5424 §6.4: a UTF-8 MSG starts with the byte order mark.
const BOM = '\uFEFF'
// Severity (RFC 5424 §6.2.1): refusals and failures are warnings, the rest informational.
const WARNING = 4
const INFORMATIONAL = 6

/**
 * One stored audit event as an RFC 5424 message: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID
 * MSGID - MSG`, MSGID `audit`, no structured data, and the MSG the stored record as JSON
 * (every column, as stored: a receiver can recompute its chain hash).
 */
export function formatSyslog(record: ChainedAuditRecord, header: SyslogHeader): string {
  const severity =
    record.outcome === 'denied' || record.outcome === 'failure' ? WARNING : INFORMATIONAL
  const pri = header.facility * 8 + severity
  const timestamp = new Date(record.time).toISOString()
  const fields = [
    `<${String(pri)}>1`,
    timestamp,
    headerField(header.hostname, 255),
    headerField(header.appName, 48),
    headerField(header.procId, 128),
    'audit',
    '-',
  ]
  return `${fields.join(' ')} ${BOM}${JSON.stringify(record)}`
}

/**
 * The RFC 6587 §3.4.1 octet-counting frame for TCP: `MSG-LEN SP SYSLOG-MSG`, where MSG-LEN is
 * the message's length in octets.
 */
export function octetCountedFrame(message: string): Buffer {
  const body = Buffer.from(message, 'utf8')
  return Buffer.concat([Buffer.from(`${String(body.length)} `, 'ascii'), body])
}

// RFC 5424 §6: header fields are PRINTUSASCII (33–126) with a length limit; NILVALUE when empty.
function headerField(value: string, max: number): string {
  const printable = value.replace(/[^\x21-\x7e]/g, '').slice(0, max)
  return printable === '' ? '-' : printable
}
