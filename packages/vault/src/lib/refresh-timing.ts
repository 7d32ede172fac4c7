import type { VaultCredentialRow } from '@mandate/store'

/** True when an OAuth credential expires within the margin and should be refreshed first. */
export function needsRefresh(row: VaultCredentialRow, now: number, marginMs: number): boolean {
  return row.kind === 'oauth' && row.expires_at !== null && row.expires_at - marginMs <= now
}

/** True when the credential's access token has not expired (or never expires). */
export function stillValid(row: VaultCredentialRow, now: number): boolean {
  return row.expires_at === null || row.expires_at > now
}
