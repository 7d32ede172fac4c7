import { createWriteStream } from 'node:fs'
import { ConfigurationError } from '@mandate/core'
import { pruneAuditEvents, queryAuditEvents, verifyAuditChain } from '@mandate/store'
import type { AuditQuery } from '@mandate/store'
import { loadConfig } from '../../config/load-config.ts'
import { parseGlobalFlags } from '../../cli/global-flags.ts'
import { line } from '../../cli/output.ts'
import type { CommandIo } from '../../cli/output.ts'
import { openRuntime } from '../../runtime/open-runtime.ts'
import type { Runtime } from '../../runtime/open-runtime.ts'
import { auditCheckpointKey } from '../../audit/checkpoint-key.ts'
import { CSV_HEADER, toCsvRow, toJsonLine, toTableLine } from './audit-format.ts'
import { AUDIT_FLAGS, auditQuery } from './audit-flags.ts'

/** `mandate audit --help`. */
export const AUDIT_USAGE = `Usage: mandate audit <action> [flags]

Actions:
  list                    events matching the filters, oldest first (--limit, default 100)
  tail                    the last events (--limit, default 20); --follow waits for new ones
  verify                  check every hash chain and signed checkpoint; names the first bad
                          event and exits 1 if one was changed, deleted, reordered or inserted
  export                  every matching event as JSON Lines (--format jsonl) or CSV
                          (--format csv), to standard output or --output <file>
  prune                   delete events older than --older-than-days <n>, after a signed
                          checkpoint at the cut (the rest still verifies)
  public-key              print the checkpoint public key (SPKI PEM) for external verifiers

Filters (list, tail, export):
  --user <sub|name>       --client <id|name>     --tool <name>
  --type <type|prefix.>   --outcome <outcome>    --since <time>    --until <time>
  (times: ISO 8601, e.g. 2026-12-01 or 2026-12-01T10:00:00Z)

Flags: --json (list, tail: JSON Lines), --stream <id> (verify), and the data flags of
"mandate help". Documentation: docs/audit.md`

/** `mandate audit …`: read, verify, export and prune the stored audit trail. */
export async function auditCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const flags = parseGlobalFlags(argv, AUDIT_FLAGS)
  const [action] = flags.positionals
  if (action === undefined) {
    line(io.stderr, AUDIT_USAGE)
    return 2
  }
  const query = auditQuery(flags.values)
  const { config } = loadConfig({
    ...(flags.config === undefined ? {} : { file: flags.config }),
    env: io.env,
    flags: flags.settings,
  })
  const runtime = await openRuntime(config, { env: io.env })
  try {
    return await run(action, runtime, query, flags.values, io)
  } finally {
    await runtime.close()
  }
}

async function run(
  action: string,
  runtime: Runtime,
  query: AuditQuery,
  values: Record<string, string | boolean | undefined>,
  io: CommandIo,
): Promise<number> {
  const { store } = runtime
  switch (action) {
    case 'list': {
      const events = await queryAuditEvents(store, { limit: 100, ...query })
      const format = values['json'] === true ? toJsonLine : toTableLine
      for (const event of events) line(io.stdout, format(event))
      return 0
    }
    case 'tail':
      return tail(runtime, query, values, io)
    case 'verify': {
      const key = await auditCheckpointKey(store, runtime.keys)
      const stream = typeof values['stream'] === 'string' ? values['stream'] : undefined
      const result = await verifyAuditChain(store, {
        verifySignature: key.verify,
        ...(stream === undefined ? {} : { stream }),
      })
      const summary = `${String(result.events)} events in ${String(result.streams)} streams, ${String(result.checkpoints)} checkpoints`
      if (result.ok) {
        line(io.stdout, `audit chain verified: ${summary}`)
        return 0
      }
      const f = result.failure
      line(
        io.stdout,
        `audit chain broken: first bad event id=${String(f?.id ?? '-')} stream=${f?.stream ?? '-'} seq=${String(f?.seq ?? '-')} (${f?.problem ?? ''}: ${f?.message ?? ''})`,
      )
      return 1
    }
    case 'export':
      return exportEvents(runtime, query, values, io)
    case 'prune': {
      const days = Number(values['older-than-days'])
      if (!Number.isInteger(days) || days < 1) {
        throw new ConfigurationError('older-than-days', '--older-than-days <n> (n ≥ 1) is required')
      }
      const key = await auditCheckpointKey(store, runtime.keys)
      const report = await pruneAuditEvents(store, Date.now() - days * 86_400_000, key.signer)
      line(
        io.stdout,
        `pruned ${String(report.deleted)} events in ${String(report.streams)} streams`,
      )
      return 0
    }
    case 'public-key':
      io.stdout.write((await auditCheckpointKey(store, runtime.keys)).publicKeyPem)
      return 0
    default:
      throw new ConfigurationError(
        'audit',
        `unknown action "${action}"; run "mandate audit --help"`,
      )
  }
}

async function tail(
  runtime: Runtime,
  query: AuditQuery,
  values: Record<string, string | boolean | undefined>,
  io: CommandIo,
): Promise<number> {
  const format = values['json'] === true ? toJsonLine : toTableLine
  const last = await queryAuditEvents(runtime.store, { limit: 20, ...query, order: 'desc' })
  let afterId = 0
  for (const event of last.reverse()) {
    line(io.stdout, format(event))
    afterId = event.id
  }
  if (values['follow'] !== true) return 0
  const stop = new AbortController()
  process.once('SIGINT', () => {
    stop.abort()
  })
  while (!stop.signal.aborted) {
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const events = await queryAuditEvents(runtime.store, { ...query, afterId, limit: 1000 })
    for (const event of events) {
      line(io.stdout, format(event))
      afterId = event.id
    }
  }
  return 0
}

async function exportEvents(
  runtime: Runtime,
  query: AuditQuery,
  values: Record<string, string | boolean | undefined>,
  io: CommandIo,
): Promise<number> {
  const format = values['format'] ?? 'jsonl'
  if (format !== 'jsonl' && format !== 'csv') {
    throw new ConfigurationError('format', '--format must be jsonl or csv')
  }
  const file = typeof values['output'] === 'string' ? values['output'] : undefined
  const out = file === undefined ? io.stdout : createWriteStream(file, { mode: 0o600 })
  if (format === 'csv') line(out, CSV_HEADER)
  let afterId = query.afterId ?? 0
  for (;;) {
    const page = await queryAuditEvents(runtime.store, { ...query, afterId, limit: 1000 })
    for (const event of page) line(out, format === 'csv' ? toCsvRow(event) : toJsonLine(event))
    const lastEvent = page.at(-1)
    if (lastEvent === undefined || page.length < 1000) break
    afterId = lastEvent.id
  }
  if (file !== undefined) {
    await new Promise<void>((resolve, reject) => {
      out.end((error?: Error | null) => {
        if (error) reject(error)
        else resolve()
      })
    })
  }
  return 0
}
