// One benchmark target, in its own process: @mandate/server (JWT) with the echo tool, with
// auditing off, or on through the store-backed sink (hash chain, batching, checkpoints).
// argv: <off|on> <issuer> <sqlite-file|postgres-url> [postgres-schema]; prints the port;
// IPC "mark" starts the CPU count, "stop" flushes and answers events stored and CPU used.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { constants, PerformanceObserver } from 'node:perf_hooks'
import { generateKeyPairSync, sign } from 'node:crypto'
import { createNodeHandler, defineTool } from '@mandate/server'
import { createStoreAuditSink, openStore } from '@mandate/store'
import { McpServer } from '@modelcontextprotocol/server'
import * as z from 'zod'

const [mode = 'off', issuer = '', database = '', schema = 'public'] = process.argv.slice(2)
const store = await openStore(
  database.startsWith('postgres')
    ? { kind: 'postgres', url: database, schema }
    : { kind: 'sqlite', filename: database },
)
const { privateKey } = generateKeyPairSync('ed25519')
const sink =
  mode === 'on'
    ? createStoreAuditSink(store, {
        instanceId: 'bench',
        signer: { kid: 'bench', sign: (p) => sign(null, p, privateKey).toString('base64url') },
      })
    : undefined
const echo = defineTool(
  'echo',
  { inputSchema: z.object({ text: z.string() }), requires: { scopes: ['bench'] } },
  ({ text }) => ({ content: [{ type: 'text', text }] }),
)
const http = createServer()
http.listen(0, '127.0.0.1', () => {
  const port = (http.address() as AddressInfo).port
  const resource = `http://127.0.0.1:${String(port)}/mcp`
  http.on(
    'request',
    createNodeHandler({
      resource,
      authorizationServers: [issuer],
      verifier: { jwt: { issuers: [{ issuer, jwksUri: `${issuer}/jwks` }] } },
      tools: [echo],
      factory: (ctx) => {
        const server = new McpServer({ name: 'bench', version: '1' })
        ctx.registerTools(server, [echo])
        return server
      },
      mcp: { responseMode: 'json' },
      ...(sink === undefined
        ? {}
        : {
            audit: {
              record: (event) => {
                sink.admit()
                sink.emit(event)
              },
            },
          }),
    }),
  )
  process.stdout.write(`${String(port)}\n`)
})
// CPU from "mark" (after the warm-up) to the end of the final flush: the batched writes count.
let mark = process.cpuUsage()
// Garbage collection in the same span, minor (scavenge) and major (mark-compact), in µs.
const gc = { minor: 0, major: 0 }
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const { detail } = entry as PerformanceEntry & { detail?: { kind?: number } }
    const minor = detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR
    gc[minor ? 'minor' : 'major'] += entry.duration * 1000
  }
}).observe({ entryTypes: ['gc'] })
process.on('message', (message) => {
  if (message === 'mark') {
    mark = process.cpuUsage()
    gc.minor = gc.major = 0
    process.send?.('marked')
  }
  if (message !== 'stop') return
  http.close()
  void (async () => {
    await sink?.close()
    const cpu = process.cpuUsage(mark)
    const rows = await store.db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    process.send?.({ stored: rows.n, cpuMicros: cpu.user + cpu.system, gc })
    await store.close()
    process.exit(0)
  })()
})
