import { randomBytes } from 'node:crypto'
import {
  claimDefaultVaultCredential,
  findVaultCredential,
  getVaultCredential,
  insertVaultCredential,
  setDefaultVaultCredential,
  swapVaultSecret,
} from '@mandate/store'
import { VaultError } from '../errors.ts'
import type { VaultContext } from '../lib/context.ts'
import { sealCredential } from '../lib/credential-secret.ts'
import type { CredentialSecret } from '../lib/credential-secret.ts'
import { splitScopes, toMetadata } from './credential-metadata.ts'
import type { CredentialMetadata } from './credential-metadata.ts'

/** A token response (RFC 6749 §5.1 wire names), as returned by the provider. */
export interface OAuthTokenSet {
  access_token: string
  token_type?: string
  refresh_token?: string
  expires_in?: number
  scope?: string
}

/** Tokens a provider issued to one user's account, to be sealed and stored by the vault. */
export interface SaveOAuthCredentialInput {
  sub: string
  provider: string
  /** The account at the provider (its user id); several accounts per provider are allowed. */
  account: string
  tokens: OAuthTokenSet
  /** Used as the granted scopes when the response omits `scope` (RFC 6749 §5.1). */
  requestedScopes?: readonly string[]
  /** When the token response was received (local clock, catalogue #206). Default now. */
  receivedAt?: number
  dpopPrivateJwk?: JsonWebKey
  /** Make this account the user's default for the provider. The first account always is. */
  makeDefault?: boolean
}

/** An API key a user typed on the connect page, checked against the provider's key pattern. */
export interface SaveApiKeyInput {
  sub: string
  provider: string
  account: string
  apiKey: string
  makeDefault?: boolean
}

/** Stores (or replaces) a user's OAuth credential for a provider account, encrypted. */
export async function saveOAuthCredential(
  ctx: VaultContext,
  input: SaveOAuthCredentialInput,
): Promise<CredentialMetadata> {
  const definition = ctx.catalog.require(input.provider)
  if (definition.kind === 'api_key') {
    throw new VaultError('ERR_VAULT_INVALID_INPUT', `provider ${input.provider} takes an API key`)
  }
  const { tokens } = input
  if (typeof tokens.access_token !== 'string' || tokens.access_token === '') {
    throw new VaultError('ERR_VAULT_INVALID_INPUT', 'token response has no access_token')
  }
  const receivedAt = input.receivedAt ?? ctx.now()
  const secret: CredentialSecret = { access_token: tokens.access_token }
  if (tokens.refresh_token !== undefined) secret.refresh_token = tokens.refresh_token
  if (input.dpopPrivateJwk !== undefined) secret.dpop_private_jwk = input.dpopPrivateJwk
  const scopes =
    tokens.scope !== undefined
      ? splitScopes(tokens.scope, definition.response_scope_separator ?? definition.scope_separator)
      : [...(input.requestedScopes ?? [])]
  return save(ctx, input, 'oauth', secret, {
    scopes: scopes.join(' '),
    token_type: normaliseTokenType(tokens.token_type),
    expires_at:
      typeof tokens.expires_in === 'number' && tokens.expires_in > 0
        ? receivedAt + tokens.expires_in * 1000
        : null,
  })
}

/** Stores (or replaces) a user's API key for a provider account, encrypted. */
export async function saveApiKey(
  ctx: VaultContext,
  input: SaveApiKeyInput,
): Promise<CredentialMetadata> {
  const definition = ctx.catalog.require(input.provider)
  if (definition.kind !== 'api_key') {
    throw new VaultError(
      'ERR_VAULT_INVALID_INPUT',
      `provider ${input.provider} is not an API-key provider`,
    )
  }
  if (
    input.apiKey === '' ||
    (definition.key_pattern !== undefined &&
      !new RegExp(definition.key_pattern, 'u').test(input.apiKey))
  ) {
    throw new VaultError('ERR_VAULT_INVALID_INPUT', `not a valid ${definition.display_name} key`)
  }
  return save(
    ctx,
    input,
    'api_key',
    { api_key: input.apiKey },
    { scopes: '', token_type: 'api_key', expires_at: null },
  )
}

/** `Bearer` or `DPoP` (RFC 9449 §5) as stored; other types are kept as given. */
export function normaliseTokenType(tokenType: string | undefined): string {
  const lower = (tokenType ?? 'bearer').toLowerCase()
  if (lower === 'bearer') return 'Bearer'
  if (lower === 'dpop') return 'DPoP'
  return tokenType ?? 'Bearer'
}

async function save(
  ctx: VaultContext,
  input: { sub: string; provider: string; account: string; makeDefault?: boolean },
  kind: 'oauth' | 'api_key',
  secret: CredentialSecret,
  metadata: { scopes: string; token_type: string; expires_at: number | null },
): Promise<CredentialMetadata> {
  if (input.sub === '' || input.account === '') {
    throw new VaultError('ERR_VAULT_INVALID_INPUT', 'sub and account are required')
  }
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const existing = await findVaultCredential(ctx.store, input.sub, input.provider, input.account)
    const now = ctx.now()
    let id: string
    if (existing === undefined) {
      id = `cred_${randomBytes(16).toString('base64url')}`
      const { envelope, keyVersion } = await sealCredential(ctx.keys, { id, ...input }, secret)
      try {
        await insertVaultCredential(ctx.store, {
          id,
          sub: input.sub,
          provider: input.provider,
          account: input.account,
          kind,
          is_default: 0,
          status: 'active',
          ...metadata,
          key_version: keyVersion,
          secret: envelope,
          version: 1,
          refresh_failures: 0,
          refresh_blocked_until: null,
          last_used_at: null,
          created_at: now,
          updated_at: now,
        })
      } catch (error) {
        // A concurrent link of the same account won the insert: replace its record instead.
        if (await findVaultCredential(ctx.store, input.sub, input.provider, input.account)) continue
        throw error
      }
      await claimDefaultVaultCredential(ctx.store, input.sub, input.provider, id)
    } else {
      id = existing.id
      const { envelope, keyVersion } = await sealCredential(ctx.keys, existing, secret)
      const swapped = await swapVaultSecret(
        ctx.store,
        id,
        existing.version,
        {
          secret: envelope,
          key_version: keyVersion,
          status: 'active',
          ...metadata,
        },
        now,
      )
      if (!swapped) continue
    }
    if (input.makeDefault === true) await setDefaultVaultCredential(ctx.store, input.sub, id)
    const row = await getVaultCredential(ctx.store, input.sub, id)
    if (row === undefined) continue
    await ctx.audit({
      type: 'vault.credential.linked',
      sub: input.sub,
      provider: input.provider,
      credential_id: id,
    })
    return toMetadata(row)
  }
  throw new VaultError(
    'ERR_VAULT_LINK_FAILED',
    'could not store the credential (concurrent changes)',
  )
}
