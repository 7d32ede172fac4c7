import type { VaultCredentialMetadataRow } from '@mandate/store'

/** What may be shown about a credential (linked-accounts page, API): never a secret. */
export interface CredentialMetadata {
  id: string
  provider: string
  account: string
  kind: 'oauth' | 'api_key'
  is_default: boolean
  status: 'active' | 'needs_reauth'
  scopes: string[]
  token_type: string
  expires_at: number | null
  last_used_at: number | null
  created_at: number
  updated_at: number
}

/** A stored row as callers may see it: metadata only, never the sealed secret. */
export function toMetadata(row: VaultCredentialMetadataRow): CredentialMetadata {
  return {
    id: row.id,
    provider: row.provider,
    account: row.account,
    kind: row.kind,
    is_default: row.is_default === 1,
    status: row.status,
    scopes: splitScopes(row.scopes),
    token_type: row.token_type,
    expires_at: row.expires_at,
    last_used_at: row.last_used_at,
    created_at: row.created_at,
    updated_at: row.updated_at,
  }
}

/**
 * The scopes of a space- or comma-separated string (RFC 6749 §3.3 uses spaces; some providers
 * answer with commas).
 */
export function splitScopes(scopes: string, separator: ' ' | ',' = ' '): string[] {
  return scopes.split(separator === ',' ? /[\s,]+/ : /\s+/).filter((scope) => scope !== '')
}
