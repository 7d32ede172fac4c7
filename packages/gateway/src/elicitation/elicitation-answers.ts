import { inputRequired, UrlElicitationRequiredError } from '@modelcontextprotocol/server'
import type {
  CallToolResult,
  InputRequest,
  InputRequiredResult,
} from '@modelcontextprotocol/server'
import type { UpstreamUrlElicitation } from './elicitation-desk.ts'
import { isSafeElicitationUrl } from './url-safety.ts'

/** The key of an upstream's URL elicitation in the gateway's `inputRequests` (MRTR). */
export const INPUT_KEY_PREFIX = 'upstream:'

/**
 * The elicitations of an upstream's `-32042` URLElicitationRequiredError (MCP 2025-11-25
 * client/elicitation "URL Elicitation Required Error"), else `undefined` (another error). An
 * entry that is not a well-formed URL elicitation makes the whole list `null`: refused.
 */
export function upstreamUrlElicitations(
  error: unknown,
): UpstreamUrlElicitation[] | null | undefined {
  const { code, data } = (error ?? {}) as { code?: unknown; data?: { elicitations?: unknown } }
  if (code !== -32042) return undefined
  const list = data?.elicitations
  if (!Array.isArray(list) || list.length === 0 || list.length > 8) return null
  const out: UpstreamUrlElicitation[] = []
  for (const entry of list as Record<string, unknown>[]) {
    const { mode, url, message, elicitationId } = entry
    if (mode !== 'url' || !isSafeElicitationUrl(url) || typeof elicitationId !== 'string')
      return null
    out.push({ url, elicitationId, message: typeof message === 'string' ? message : '' })
  }
  return out
}

/** 2025-11-25: the upstream's elicitations as the `-32042` error, URLs and ids unchanged. */
export function legacyRequired(elicitations: readonly UpstreamUrlElicitation[]): never {
  throw new UrlElicitationRequiredError(
    elicitations.map((e) => ({
      mode: 'url' as const,
      elicitationId: e.elicitationId,
      url: e.url,
      message: e.message,
    })),
    'url elicitation required',
  )
}

/** 2026-07-28: an input-required round with one URL elicitation per `key`. */
export function modernRequired(
  requests: Readonly<Record<string, UpstreamUrlElicitation>>,
  requestState: string,
): InputRequiredResult {
  const inputRequests: Record<string, InputRequest> = {}
  for (const [key, e] of Object.entries(requests))
    inputRequests[INPUT_KEY_PREFIX + key] = inputRequired.elicitUrl({
      message: e.message,
      url: e.url,
    })
  return inputRequired({ inputRequests, requestState })
}

/** A tool result that reports what happened (`isError`). */
export function toolError(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] }
}

/** A client that cannot show URLs: said so, without the URL (the model must not follow it). */
export function cannotShow(upstream: string): CallToolResult {
  return toolError(
    `${upstream} asks the user to open a page in their browser, and this client cannot show such requests (URL elicitation). The tool did not complete.`,
  )
}

/** The upstream's URL is not safe to show (non-https, script or data URL, credentials in it). */
export function refusedUrl(upstream: string): CallToolResult {
  return toolError(
    `${upstream} asked to open a link the gateway does not allow; the tool did not complete.`,
  )
}

/** The person declined or dismissed the upstream's page (MRTR retry). */
export function declinedAnswer(upstream: string): CallToolResult {
  return toolError(
    `The user chose not to open the page ${upstream} asked for; the tool did not complete.`,
  )
}

/** A retry whose held upstream request is gone (timed out, another instance, closed). */
export function expiredAnswer(upstream: string): CallToolResult {
  return toolError(`The request of ${upstream} is no longer waiting; call the tool again.`)
}
