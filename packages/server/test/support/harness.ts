// Builds the notes example behind @mandate/server for a test issuer, and raw HTTP requests to
// it. Requests go straight to the handler's `fetch` (no socket needed for header-level checks).
import { createNotesServer } from '@mandate/example-notes-server'
import type { NotesServerOptions } from '@mandate/example-notes-server'
import type { ProtectedMcpHandler } from '@mandate/server'
import type { TestIssuer } from './test-issuer.ts'

export const RESOURCE = 'http://127.0.0.1:4100/mcp'

export function protectNotes(
  issuer: TestIssuer,
  options: Partial<NotesServerOptions> = {},
): ProtectedMcpHandler {
  return createNotesServer({
    resource: RESOURCE,
    authorizationServers: [issuer.issuer],
    verifier: {
      jwt: { issuers: [{ issuer: issuer.issuer }], timeoutMs: 60_000, cooldownMs: 30_000 },
    },
    ...options,
  })
}

export interface CallOptions {
  token?: string
  scheme?: string
  dpop?: string | string[]
  method?: string
  url?: string
  headers?: Record<string, string>
  body?: unknown
  tool?: string
  args?: Record<string, unknown>
}

/** A 2025-era `tools/call` (or any body) with the given credentials. */
export function mcpRequest(options: CallOptions = {}): Request {
  const headers = new Headers({
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2025-11-25',
    ...options.headers,
  })
  if (options.token !== undefined)
    headers.set('authorization', `${options.scheme ?? 'Bearer'} ${options.token}`)
  for (const proof of [options.dpop ?? []].flat()) headers.append('dpop', proof)
  const method = options.method ?? 'POST'
  const body =
    options.body ??
    ({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: options.tool ?? 'whoami', arguments: options.args ?? {} },
    } as const)
  return new Request(options.url ?? RESOURCE, {
    method,
    headers,
    ...(method === 'POST' ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  })
}

/** The text of the first content block of a tools/call answer (JSON or SSE). */
export async function toolText(response: Response): Promise<string> {
  const raw = await response.text()
  const json = raw.startsWith('{') ? raw : (/^data: (.+)$/m.exec(raw)?.[1] ?? '{}')
  const message = JSON.parse(json) as {
    result?: { content?: { text?: string }[] }
    error?: { message: string }
  }
  return message.result?.content?.[0]?.text ?? `error: ${message.error?.message ?? 'none'}`
}
