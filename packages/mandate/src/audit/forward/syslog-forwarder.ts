import { createSocket } from 'node:dgram'
import { hostname } from 'node:os'
import { connect, isIPv6 } from 'node:net'
import type { Socket } from 'node:net'
import type { ChainedAuditRecord } from '@mandate/core'
import type { AuditForwarder, ForwardReport } from './forwarder.ts'
import { formatSyslog, octetCountedFrame } from './syslog-format.ts'
import type { SyslogHeader } from './syslog-format.ts'

/** Where and how syslog messages go (`audit.forward.syslog`). */
export interface SyslogTarget {
  host: string
  port: number
  transport: 'udp' | 'tcp'
  facility: number
}

// RFC 5426 §3.2: a datagram carries one message; IPv4 UDP payloads end at 65,507 octets.
const MAX_DATAGRAM = 65_507
const CLOSE_WAIT_MS = 2_000

/** Forwards stored events as RFC 5424 messages over UDP (RFC 5426) or TCP (RFC 6587). */
export function syslogForwarder(
  target: SyslogTarget,
  maxQueued: number,
  report: ForwardReport,
): AuditForwarder {
  const header: SyslogHeader = {
    facility: target.facility,
    hostname: hostname(),
    appName: 'mandate',
    procId: String(process.pid),
  }
  const send =
    target.transport === 'udp'
      ? udpSender(target, maxQueued, report)
      : tcpSender(target, maxQueued, report)
  return {
    target: 'syslog',
    forward(records: readonly ChainedAuditRecord[]) {
      for (const record of records) send.push(formatSyslog(record, header))
    },
    close: () => send.close(),
  }
}

interface Sender {
  push(message: string): void
  close(): Promise<void>
}

/** One datagram per message; at most `maxQueued` sends in flight. */
function udpSender(target: SyslogTarget, maxQueued: number, report: ForwardReport): Sender {
  const socket = createSocket(isIPv6(target.host) ? 'udp6' : 'udp4')
  socket.on('error', (error) => {
    report('failed', 0, error)
  })
  socket.unref()
  let inFlight = 0
  let idle: (() => void) | undefined
  return {
    push(message) {
      const datagram = Buffer.from(message, 'utf8')
      if (inFlight >= maxQueued || datagram.length > MAX_DATAGRAM) {
        report('dropped', 1)
        return
      }
      inFlight++
      socket.send(datagram, target.port, target.host, (error) => {
        inFlight--
        if (error === null) report('sent', 1)
        else report('failed', 1, error)
        if (inFlight === 0) idle?.()
      })
    },
    async close() {
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          idle = resolve
          setTimeout(resolve, CLOSE_WAIT_MS).unref()
        })
      }
      socket.close()
    },
  }
}

/**
 * One TCP connection, octet-counted frames (RFC 6587 §3.4.1), reconnected with a growing delay
 * when it drops; frames wait in a bounded queue meanwhile.
 */
function tcpSender(target: SyslogTarget, maxQueued: number, report: ForwardReport): Sender {
  const queue: Buffer[] = []
  let socket: Socket | undefined
  let connected = false
  let closed = false
  let retryMs = 250
  let retry: NodeJS.Timeout | undefined
  const open = () => {
    retry = undefined
    const next = connect({ host: target.host, port: target.port })
    socket = next
    next.setNoDelay(true)
    next.once('connect', () => {
      connected = true
      retryMs = 250
      pump()
    })
    next.on('error', (error) => {
      report('failed', 0, error)
    })
    next.once('close', () => {
      connected = false
      socket = undefined
      if (!closed) retry = setTimeout(open, (retryMs = Math.min(retryMs * 2, 30_000))).unref()
    })
    next.unref()
  }
  const pump = () => {
    while (connected && socket !== undefined && queue.length > 0 && !socket.writableNeedDrain) {
      const frame = queue.shift()
      if (frame === undefined) break
      socket.write(frame, (error) => {
        if (error === undefined || error === null) report('sent', 1)
        else report('failed', 1, error)
      })
    }
    if (socket?.writableNeedDrain === true) socket.once('drain', pump)
  }
  return {
    push(message) {
      if (queue.length >= maxQueued) {
        report('dropped', 1)
        return
      }
      queue.push(octetCountedFrame(message))
      if (socket === undefined && retry === undefined && !closed) open()
      else pump()
    },
    async close() {
      closed = true
      if (retry !== undefined) clearTimeout(retry)
      const deadline = Date.now() + CLOSE_WAIT_MS
      // Connected or still connecting (a short-lived CLI closes right after its one event).
      while (socket !== undefined && queue.length > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      if (queue.length > 0) report('dropped', queue.splice(0).length)
      const current = socket
      if (current === undefined) return
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, CLOSE_WAIT_MS).unref()
        current.end(() => {
          clearTimeout(timer)
          resolve()
        })
      })
      current.destroy()
    },
  }
}
