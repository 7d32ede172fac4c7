import { createHash } from 'node:crypto'
import type {
  CallToolResult,
  InputRequiredResult,
  ServerContext,
} from '@modelcontextprotocol/server'
import { getIdentity } from '@mandate/server'
import type { ToolLinking } from '@mandate/server/linking'
import { GatewayError } from '../gateway-error.ts'
import type { UpstreamCredential } from '../options.ts'
import { subjectToken } from '../lib/subject-token.ts'
import { callerOrigin } from '../revocation/caller-origin.ts'
import { hopDpopFor } from './upstream-dpop.ts'
import type { TokenExchangeClient } from './token-exchange-client.ts'

/** Which kind of credential an upstream gets (audited with every hop). */
export type CredentialKind = UpstreamCredential['kind']

/** A credential ready to inject, or the answer that asks the user to link an account. */
export type ResolvedCredential =
  | {
      ok: true
      kind: CredentialKind
      /** The formatted value (header value or environment value); undefined for `none`. */
      value: string | undefined
      /** SHA-256 of the value: a stdio process is respawned when its credential changed. */
      fingerprint: string
      cached: boolean
    }
  | { ok: false; kind: CredentialKind; answer: CallToolResult | InputRequiredResult }

/** What resolving an upstream's credential needs besides the credential's configuration. */
export interface CredentialContext {
  exchange: TokenExchangeClient | undefined
  /** The upstream's own linking, bound to its declared provider and scopes (`vault` only). */
  linking: ToolLinking | undefined
  /** The same, declared with `stepUpScopes` too: read only for an upstream's insufficient_scope. */
  stepUpLinking?: ToolLinking | undefined
  /** An HTTP upstream's URL (where `dpop: 'auto'` reads its RFC 9728 metadata). */
  upstreamUrl?: string | undefined
}

/**
 * The header (HTTP), variable (stdio) or stdin handshake line (stdio, docs/stdio.md) a
 * credential goes into.
 */
export function injectionTarget(
  credential: UpstreamCredential,
  transport: 'http' | 'stdio',
): { header: string } | { env: string } | { handshake: true } | undefined {
  if (credential.kind === 'none') return undefined
  if (transport === 'stdio') {
    if (credential.kind === 'exchange' && credential.handshake === true) return { handshake: true }
    if (credential.env === undefined)
      throw new GatewayError('ERR_GATEWAY_CONFIG', 'stdio credentials need `env`')
    return { env: credential.env }
  }
  return { header: (credential.header ?? 'authorization').toLowerCase() }
}

function format(
  credential: Exclude<UpstreamCredential, { kind: 'none' }>,
  token: string,
  bound = false,
): string {
  if (credential.kind === 'exchange') {
    // RFC 9449 §7.1: a bound token goes in `Authorization: DPoP`; the handshake takes it bare.
    if (bound) return `DPoP ${token}`
    if (credential.handshake === true) return token
  }
  const bearer =
    credential.env === undefined && (credential.header ?? 'authorization') === 'authorization'
  const template = credential.format ?? (bearer ? 'Bearer {token}' : '{token}')
  return template.replaceAll('{token}', token)
}

function ready(
  kind: CredentialKind,
  value: string | undefined,
  cached: boolean,
): ResolvedCredential {
  const fingerprint = createHash('sha256')
    .update(value ?? '')
    .digest('base64url')
  return { ok: true, kind, value, fingerprint, cached }
}

/**
 * The credential for one upstream call: an exchanged token (audience = that upstream, fewer
 * scopes, `act` chain), the user's linked account from the vault, or the operator's static
 * credential. Never the caller's own token.
 */
export async function resolveCredential(
  credential: UpstreamCredential,
  ctx: ServerContext,
  deps: CredentialContext,
  options: { rejected?: boolean; scopes?: readonly string[] } = {},
): Promise<ResolvedCredential> {
  switch (credential.kind) {
    case 'none':
      return ready('none', undefined, false)
    case 'static':
      return ready('static', format(credential, credential.value), false)
    case 'exchange': {
      const subject = subjectToken()
      if (deps.exchange === undefined || subject === undefined) {
        throw new GatewayError('ERR_GATEWAY_CONFIG', 'token exchange is not configured')
      }
      const dpop =
        credential.dpop === undefined || credential.dpop === false
          ? undefined
          : await hopDpopFor(credential, deps.upstreamUrl)
      const scopes = options.scopes ?? credential.scopes
      if (options.rejected === true)
        deps.exchange.forget(subject, credential.resource, scopes, dpop)
      const exchanged = await deps.exchange.exchange(
        subject,
        credential.resource,
        scopes,
        callerOrigin(subject, getIdentity(ctx)),
        dpop,
      )
      return ready(
        'exchange',
        format(credential, exchanged.token, dpop !== undefined),
        exchanged.cached,
      )
    }
    case 'vault': {
      if (deps.linking === undefined) {
        throw new GatewayError('ERR_GATEWAY_CONFIG', 'vault credentials need account linking')
      }
      // An upstream's insufficient_scope: read (or link again) with the wider scopes.
      let outcome =
        options.scopes === undefined
          ? await deps.linking.credentials(ctx)
          : await (deps.stepUpLinking ?? deps.linking).credentials(ctx, {
              only: [{ provider: credential.provider, scopes: options.scopes }],
            })
      // An upstream that refused the credential: refresh now, or link again (catalogue #193).
      if (outcome.ok && options.rejected === true) {
        outcome = await deps.linking.credentials(ctx, { rejected: outcome.credentials })
      }
      if (!outcome.ok) return { ok: false, kind: 'vault', answer: outcome.answer }
      const fresh = outcome.credentials[credential.provider]
      const token = fresh?.access_token ?? fresh?.api_key
      if (token === undefined)
        throw new GatewayError('ERR_GATEWAY_CREDENTIAL', 'no usable credential')
      return ready('vault', format(credential, token), false)
    }
  }
}
