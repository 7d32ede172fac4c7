import { findVaultCredential, touchVaultCredential } from '@mandate/store'
import type { VaultCredentialRow } from '@mandate/store'
import { VaultError } from '../errors.ts'
import type { VaultContext } from '../lib/context.ts'
import { openCredential } from '../lib/credential-secret.ts'
import { importDpopKey } from '../lib/dpop-keys.ts'
import { needsRefresh, stillValid } from '../lib/refresh-timing.ts'
import { refreshCredential } from '../refresh/refresh-credential.ts'
import { splitScopes } from './credential-metadata.ts'

/** What a tool declares it needs from one provider (fixed when the tool is defined). */
export interface CredentialDeclaration {
  provider: string
  scopes?: readonly string[]
}

/** One credential read by a tool: whose, at which provider, with which of the declared scopes. */
export interface GetFreshCredentialInput {
  /** The verified user (from the MCP access token), never a client-supplied value (catalogue #200). */
  sub: string
  provider: string
  /**
   * The scopes this read needs: a subset of the declared ones (default: all declared). A scope
   * the tool did not declare is refused (`ERR_VAULT_UNDECLARED_ACCESS`, catalogue #200).
   */
  scopes?: readonly string[]
  /** A specific linked account; default: the user's default account for the provider. */
  account?: string
  /**
   * The access token this tool just had rejected by the provider (HTTP 401): refresh it now
   * rather than at expiry (catalogue #193). Concurrent callers with the same token share one
   * refresh; a token already replaced is not refreshed again.
   */
  rejectedAccessToken?: string
}

/** A usable credential, for the tool's own call to the provider. Never send it to the client. */
export interface FreshCredential {
  credential_id: string
  provider: string
  account: string
  kind: 'oauth' | 'api_key'
  /** `Bearer`, `DPoP`, or `api_key`. */
  token_type: string
  access_token?: string
  api_key?: string
  expires_at: number | null
  /** The scopes the tool declared (all of them granted). */
  scopes: string[]
  /** For `DPoP` tokens: the key to sign proofs with (RFC 9449); the private key is not extractable. */
  dpop_key_pair?: CryptoKeyPair
}

const TOUCH_EVERY_MS = 60_000

/**
 * Returns the user's credential for a declared provider, refreshed first when it expires within
 * the margin. Only declared providers and scopes are readable, and only when every scope read
 * was granted.
 * A provider the catalog no longer offers (removed by an operator) gives nothing, whatever is
 * still stored for it: fail closed.
 * @throws VaultError `ERR_VAULT_UNDECLARED_ACCESS`, `ERR_VAULT_PROVIDER_UNKNOWN`,
 *   `ERR_VAULT_NOT_LINKED`, `ERR_VAULT_NEEDS_REAUTH`, `ERR_VAULT_INSUFFICIENT_SCOPE`,
 *   `ERR_VAULT_PROVIDER_UNAVAILABLE`.
 */
export async function getFreshCredential(
  ctx: VaultContext,
  declared: readonly CredentialDeclaration[],
  input: GetFreshCredentialInput,
): Promise<FreshCredential> {
  const wanted = declaredScopes(declared, input)
  ctx.catalog.require(input.provider)
  let row = await findVaultCredential(ctx.store, input.sub, input.provider, input.account)
  if (row === undefined) {
    throw new VaultError('ERR_VAULT_NOT_LINKED', `no ${input.provider} account is linked`)
  }
  if (row.status === 'needs_reauth') {
    throw new VaultError(
      'ERR_VAULT_NEEDS_REAUTH',
      `the ${input.provider} account must be linked again`,
    )
  }
  const granted = new Set(splitScopes(row.scopes))
  const missing = wanted.filter((scope) => !granted.has(scope))
  if (missing.length > 0) {
    throw new VaultError(
      'ERR_VAULT_INSUFFICIENT_SCOPE',
      `the ${input.provider} account lacks scope ${missing.join(' ')}`,
    )
  }
  const now = ctx.now()
  const rejected = input.rejectedAccessToken
  if (rejected !== undefined || needsRefresh(row, now, ctx.refreshMarginMs)) {
    if (
      row.refresh_blocked_until !== null &&
      row.refresh_blocked_until > now &&
      (rejected !== undefined || !stillValid(row, now))
    ) {
      throw new VaultError(
        'ERR_VAULT_PROVIDER_UNAVAILABLE',
        `${input.provider} is not answering; try again later`,
        {
          retryAfter: row.refresh_blocked_until,
        },
      )
    }
    row = await refreshCredential(ctx, input.sub, row.id, rejected)
  }
  if (row.last_used_at === null || now - row.last_used_at >= TOUCH_EVERY_MS) {
    await touchVaultCredential(ctx.store, row.id, now)
  }
  const secret = await openCredential(ctx.keys, row)
  const credential = present(row, secret, [...wanted])
  if (secret.dpop_private_jwk !== undefined) {
    credential.dpop_key_pair = await importDpopKey(secret.dpop_private_jwk)
  }
  return credential
}

/**
 * The scopes this read needs, all of them declared for the provider; the provider itself must
 * be declared (least privilege per tool, catalogue #200).
 */
function declaredScopes(
  declared: readonly CredentialDeclaration[],
  input: GetFreshCredentialInput,
): readonly string[] {
  const declaration = declared.find((entry) => entry.provider === input.provider)
  if (declaration === undefined) {
    throw new VaultError(
      'ERR_VAULT_UNDECLARED_ACCESS',
      `access to ${input.provider} was not declared`,
    )
  }
  const scopes = declaration.scopes ?? []
  const undeclared = (input.scopes ?? []).filter((scope) => !scopes.includes(scope))
  if (undeclared.length > 0) {
    throw new VaultError(
      'ERR_VAULT_UNDECLARED_ACCESS',
      `scope ${undeclared.join(' ')} at ${input.provider} was not declared`,
    )
  }
  return input.scopes ?? scopes
}

function present(
  row: VaultCredentialRow,
  secret: Awaited<ReturnType<typeof openCredential>>,
  scopes: string[],
): FreshCredential {
  const credential: FreshCredential = {
    credential_id: row.id,
    provider: row.provider,
    account: row.account,
    kind: row.kind,
    token_type: row.token_type,
    expires_at: row.expires_at,
    scopes,
  }
  if (secret.access_token !== undefined) credential.access_token = secret.access_token
  if (secret.api_key !== undefined) credential.api_key = secret.api_key
  return credential
}
