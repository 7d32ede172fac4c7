import { MandateError } from '@mandate/core'
import type { AuthInfo, CallToolResult } from '@modelcontextprotocol/server'
import { findIdentity } from './identity.ts'

/** RFC 6749 §3.3 scope-token: it goes into a `WWW-Authenticate` quoted string as it is. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/

const SLOT_KEY = 'mandate.scopeChallenge'

/** Where a handler's late demand waits for the HTTP layer (one per request, never shared). */
export interface ScopeChallengeSlot {
  scopes: string[] | undefined
}

/**
 * Thrown by a `defineTool` handler that learns during the call that it needs more scopes
 * (MCP authorization "Runtime Insufficient Scope Errors"): the caller gets HTTP 403
 * `insufficient_scope` while the response has not started, otherwise a tool error naming
 * `insufficient_scope` and the scopes (docs/server.md "Scopes learned during a call").
 */
export class InsufficientScopeError extends MandateError<'ERR_SERVER_INSUFFICIENT_SCOPE'> {
  readonly scopes: readonly string[]

  constructor(scopes: readonly string[]) {
    super('ERR_SERVER_INSUFFICIENT_SCOPE', 'more scopes required')
    this.scopes = Object.freeze([...scopes])
  }
}

/**
 * Asks for the HTTP 403 `insufficient_scope` challenge for this call (RFC 6750 §3.1), with
 * `scopes` the call needs; for handlers that answer the tool error themselves (the answer is
 * what the caller gets once the response has started). Nothing is asked when a scope is not a
 * valid scope-token or when the caller already holds them all (a challenge could not be met by
 * signing in again). Returns whether the challenge was asked.
 */
export function requestScopeChallenge(
  ctx: { http?: { authInfo?: AuthInfo } },
  scopes: readonly string[],
): boolean {
  const slot = ctx.http?.authInfo?.extra?.[SLOT_KEY] as ScopeChallengeSlot | undefined
  const identity = findIdentity(ctx)
  if (slot === undefined || identity === undefined) return false
  if (scopes.length === 0 || !scopes.every((scope) => SCOPE_TOKEN.test(scope))) return false
  const missing = scopes.filter((scope) => !identity.scopes.includes(scope))
  if (missing.length === 0) return false
  slot.scopes = [...new Set([...(slot.scopes ?? []), ...scopes])]
  return true
}

/** Puts a fresh slot beside the identity (`authInfo.extra`) and returns both. */
export function withScopeChallengeSlot(extra: Record<string, unknown>): {
  extra: Record<string, unknown>
  slot: ScopeChallengeSlot
} {
  const slot: ScopeChallengeSlot = { scopes: undefined }
  return { extra: { ...extra, [SLOT_KEY]: slot }, slot }
}

/**
 * Wraps a tool handler: an {@link InsufficientScopeError} asks for the challenge and becomes
 * the tool error the caller gets when the response has already started. The SDK passes the
 * context last: `(ctx)` or `(args, ctx)`.
 */
export function withLateScopeChallenge<Handler>(handler: Handler): Handler {
  const run = handler as (...params: unknown[]) => unknown
  return (async (...params: unknown[]) => {
    try {
      return await run(...params)
    } catch (error) {
      if (!(error instanceof InsufficientScopeError)) throw error
      const ctx = params.at(-1) as { http?: { authInfo?: AuthInfo } }
      requestScopeChallenge(ctx, error.scopes)
      return insufficientScopeResult(error.scopes, findIdentity(ctx)?.scopes ?? [])
    }
  }) as Handler
}

/** The tool error: names `insufficient_scope` and every scope to ask for (needed plus held). */
function insufficientScopeResult(
  needed: readonly string[],
  held: readonly string[],
): CallToolResult {
  const all = [...new Set([...held, ...needed])].filter((scope) => SCOPE_TOKEN.test(scope))
  return {
    isError: true,
    content: [
      {
        type: 'text',
        text: `This tool needs more access (insufficient_scope). Sign in again with scope="${all.join(' ')}".`,
      },
    ],
  }
}
