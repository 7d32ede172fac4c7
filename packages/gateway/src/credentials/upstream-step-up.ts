import { InsufficientScopeError } from '@modelcontextprotocol/client'
import type { CallToolResult, InputRequiredResult } from '@modelcontextprotocol/server'
import type { UpstreamCredential } from '../options.ts'
import type { CredentialKind } from './resolve-credential.ts'

/** RFC 6749 §3.3 scope token. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/
const INSUFFICIENT = /\binsufficient_scope\b/
const SCOPE_PARAM = /\bscope="([^"]{0,1024})"/

/** What the gateway may do about an upstream's insufficient_scope: the scopes to ask, or an answer. */
export type WiderScopes =
  | { ok: true; scopes: string[] }
  | {
      ok: false
      answer: CallToolResult
      reason: string
      /** Set when the caller can fix it by signing in again with these scopes (`exchange`). */
      stepUp?: string[]
    }

/**
 * The scopes an upstream asked for with HTTP 403 `insufficient_scope` (RFC 6750 §3.1; the SDK
 * client throws `InsufficientScopeError` with the challenge's `scope`), for per-user credentials
 * the gateway can renew; undefined for any other error.
 */
export function scopesAskedByError(error: unknown, kind: CredentialKind): string[] | undefined {
  if (kind !== 'exchange' && kind !== 'vault') return undefined
  if (!(error instanceof InsufficientScopeError)) return undefined
  return splitScopes(error.requiredScope ?? '')
}

/**
 * The same said in a tool error (stdio upstreams relaying a third-party API's 403): the text
 * names `insufficient_scope` and a `scope="..."` parameter. Read only to decide one retry.
 */
export function scopesAskedInResult(
  result: CallToolResult | InputRequiredResult,
  kind: CredentialKind,
): string[] | undefined {
  if (kind !== 'exchange' && kind !== 'vault') return undefined
  const { isError, content } = result as CallToolResult
  if (isError !== true || !Array.isArray(content)) return undefined
  for (const block of content) {
    if (block.type !== 'text') continue
    const text = block.text.slice(0, 2000)
    const scope = SCOPE_PARAM.exec(text)?.[1]
    if (INSUFFICIENT.test(text) && scope !== undefined) return splitScopes(scope)
  }
  return undefined
}

/**
 * The credential's scopes plus those the upstream asked for, limited to what the configuration
 * allows (`scopes` and `stepUpScopes`): a scope beyond them is never requested. For `exchange`,
 * each must also be in the caller's token (RFC 8693 never widens it); when one is missing the
 * caller is told to step up (sign in again with those scopes) instead.
 */
export function widerScopes(
  credential: UpstreamCredential,
  upstream: string,
  asked: readonly string[],
  held: readonly string[],
): WiderScopes {
  if (credential.kind !== 'exchange' && credential.kind !== 'vault') {
    return refused(upstream, 'no per-user credential to widen')
  }
  const configured = credential.scopes ?? []
  if (!withinConfiguration(credential, asked)) {
    return refused(upstream, 'upstream asked for scopes beyond the configuration')
  }
  const scopes = [...new Set([...configured, ...asked])]
  if (credential.kind === 'vault') return { ok: true, scopes }
  const lacking = scopes.filter((scope) => !held.includes(scope))
  if (lacking.length === 0) return { ok: true, scopes }
  const all = [...new Set([...held, ...scopes])].join(' ')
  return {
    ok: false,
    reason: `insufficient_scope: ${lacking.join(' ')}`,
    stepUp: scopes,
    answer: {
      isError: true,
      content: [
        {
          type: 'text',
          text:
            `${upstream} needs more access than your sign-in holds (insufficient_scope). ` +
            `Sign in again with scope="${all}".`,
        },
      ],
    },
  }
}

/**
 * Whether every scope an upstream asked for is one the configuration allows for it (`scopes` or
 * `stepUpScopes`): an upstream never widens its access beyond what the operator allowed.
 */
export function withinConfiguration(
  credential: UpstreamCredential,
  asked: readonly string[],
): boolean {
  if (credential.kind !== 'exchange' && credential.kind !== 'vault') return false
  const allowed = new Set([...(credential.scopes ?? []), ...(credential.stepUpScopes ?? [])])
  return asked.length > 0 && asked.every((scope) => allowed.has(scope))
}

function refused(upstream: string, reason: string): WiderScopes {
  return {
    ok: false,
    reason,
    answer: {
      isError: true,
      content: [
        { type: 'text', text: `${upstream} needs access this gateway may not grant for it.` },
      ],
    },
  }
}

/** Scope tokens of a challenge; a malformed one is kept so that it counts as not allowed. */
function splitScopes(value: string): string[] {
  return value
    .split(' ')
    .filter((scope) => scope !== '')
    .map((scope) => (SCOPE_TOKEN.test(scope) ? scope : '\u0000'))
}
