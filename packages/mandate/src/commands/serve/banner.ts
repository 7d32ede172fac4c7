import type { Writable } from 'node:stream'
import type { Runtime } from '../../runtime/open-runtime.ts'
import type { RunningServer } from '../../serve/start-server.ts'
import { VERSION } from '../../cli/version.ts'
import { line } from '../../cli/output.ts'

/** The plain startup banner, for people (logs go to stdout as JSON; this goes to stderr). */
export function printBanner(out: Writable, runtime: Runtime, server: RunningServer): void {
  const rows: [string, string][] = [
    ['listening on', server.url.origin],
    ['public URL', server.publicUrl.origin],
    ['database', runtime.databaseDescription],
    [
      'keys',
      `${runtime.keyProvider.description} (${String(runtime.keyRing.keys.size)} version(s))`,
    ],
    ['health', new URL('/healthz', server.url).href],
  ]
  if (runtime.config.demo.enabled) {
    rows.push([
      'demo',
      `MCP server ${new URL('/mcp', server.publicUrl).href} (notes, Demo Calendar)`,
    ])
  }
  line(out, `Mandate ${VERSION} is running`)
  for (const [label, value] of rows) line(out, `  ${label.padEnd(13)}${value}`)
  line(out, '  add a user with: mandate users add <name>  (password on standard input)')
  line(out, '  stop with Ctrl-C (SIGINT) or SIGTERM')
}
