import type { AuditEventType, AuditOutcome } from './events.ts'

/** Event types emitted outside `@mandate/core`'s union (the vault's own events). */
export type ExternalAuditEventType =
  | 'linking.relink_started'
  | 'linking.request_cancelled'
  | 'vault.credential.linked'
  | 'vault.credential.refreshed'
  | 'vault.credential.needs_reauth'
  | 'vault.credential.refresh_failed'
  | 'vault.credential.unlinked'
  | 'vault.credential.revocation_failed'
  | 'vault.key.rotated'
  | 'vault.key.rewrapped'
  | 'vault.key.retired'

/** What the catalogue says about one audit event type: its default outcome and meaning. */
export interface AuditCatalogueEntry {
  /** The outcome stored when the emitter names none. */
  outcome: AuditOutcome
  description: string
}

/**
 * Every audit event type, its default outcome and meaning: the source of docs/audit.md's
 * catalogue (a test compares them). A new member of {@link AuditEventType} fails to compile
 * until it is described here, so extending the union means adding one line below.
 */
export const AUDIT_EVENT_CATALOGUE: Readonly<
  Record<AuditEventType | ExternalAuditEventType, AuditCatalogueEntry>
> = {
  'login.succeeded': { outcome: 'success', description: 'a user signed in (acr, amr)' },
  'login.failed': { outcome: 'failure', description: 'a sign-in was refused, with the reason' },
  'mfa.enrolled': { outcome: 'success', description: 'a user enrolled a TOTP second factor' },
  'mfa.succeeded': { outcome: 'success', description: 'a second factor (step-up) was accepted' },
  'mfa.failed': { outcome: 'failure', description: 'a second-factor code was refused' },
  'mfa.disabled': { outcome: 'success', description: 'a second factor was removed' },
  'mfa.recovery_regenerated': { outcome: 'success', description: 'recovery codes were replaced' },
  'consent.granted': { outcome: 'allowed', description: 'a user granted a client scopes' },
  'consent.revoked': { outcome: 'success', description: 'a user withdrew a grant' },
  'token.issued': { outcome: 'success', description: 'the token endpoint issued tokens' },
  'token.refreshed': { outcome: 'success', description: 'a refresh token was redeemed' },
  'token.revoked': { outcome: 'success', description: 'a token was revoked (RFC 7009)' },
  'token.reuse_detected': {
    outcome: 'denied',
    description: 'a used code or refresh token was presented again; its family is revoked',
  },
  'token.exchanged': {
    outcome: 'success',
    description: 'a token exchange (RFC 8693) issued a token with an act chain',
  },
  'client.registered': { outcome: 'success', description: 'a client registered (DCR or CIMD)' },
  'account.changed': {
    outcome: 'success',
    description: 'a user changed their password, signed out, or ended their other sessions',
  },
  'admin.action': {
    outcome: 'success',
    description:
      'a console operation with no typed event (providers, audit export), or a refused console request (denied, with the reason)',
  },
  'client.disabled': {
    outcome: 'success',
    description: 'an operator disabled a client: its grants ended, its tokens are refused',
  },
  'client.enabled': { outcome: 'success', description: 'an operator enabled a disabled client' },
  'client.deleted': {
    outcome: 'success',
    description: 'an operator deleted a client: its grants ended, its tokens are refused',
  },
  'grant.revoked': {
    outcome: 'success',
    description:
      "an operator revoked a user's grant: its refresh tokens ended, its tokens are refused",
  },
  'signing_key.withdrawn': {
    outcome: 'success',
    description: 'an operator withdrew a signing key: every token it signed is refused',
  },
  'user.added': { outcome: 'success', description: 'an operator added a local account' },
  'user.disabled': {
    outcome: 'success',
    description: 'an operator disabled an account: its grants, sessions and tokens ended',
  },
  'user.enabled': { outcome: 'success', description: 'an operator enabled a disabled account' },
  'user.deleted': {
    outcome: 'success',
    description: 'an operator deleted an account: its grants, sessions and tokens ended',
  },
  'user.password_reset': {
    outcome: 'success',
    description: 'an operator replaced a password: the grants, sessions and tokens ended',
  },
  'user.mfa_reset': {
    outcome: 'success',
    description: 'an operator removed a second factor: the grants, sessions and tokens ended',
  },
  'user.role_granted': { outcome: 'success', description: 'an operator gave a user a role' },
  'user.role_revoked': { outcome: 'success', description: 'an operator took a role away' },
  'upstream.security_event': {
    outcome: 'success',
    description: 'the upstream IdP pushed a CAEP event; applied to the linked user, or recorded',
  },
  'mcp.tool_call': {
    outcome: 'allowed',
    description: 'an MCP tools/call was allowed or denied by policy, with the reason',
  },
  'mcp.request_refused': {
    outcome: 'denied',
    description: 'an MCP request was refused before any tool ran (token, DPoP, scopes)',
  },
  'gateway.tool_call': {
    outcome: 'allowed',
    description: 'a gateway hop to an upstream MCP server: decision, upstream, credential kind',
  },
  'gateway.approval': {
    outcome: 'recorded',
    description: 'a person was asked to approve one gateway call, decided, or the call used it',
  },
  'linking.relink_started': {
    outcome: 'recorded',
    description: 'a user started linking one of their accounts again (relink)',
  },
  'linking.request_cancelled': {
    outcome: 'recorded',
    description: 'a user cancelled a pending request to link an account',
  },
  'vault.credential.linked': { outcome: 'success', description: 'a third-party account linked' },
  'vault.credential.refreshed': {
    outcome: 'success',
    description: 'the vault refreshed a third-party credential',
  },
  'vault.credential.needs_reauth': {
    outcome: 'failure',
    description: 'a third-party credential needs the user to link again',
  },
  'vault.credential.refresh_failed': {
    outcome: 'failure',
    description: 'a third-party refresh failed (will retry after a cooldown)',
  },
  'vault.credential.unlinked': { outcome: 'success', description: 'a linked account was removed' },
  'vault.credential.revocation_failed': {
    outcome: 'failure',
    description: 'the provider did not confirm revoking an unlinked credential',
  },
  'vault.key.rotated': { outcome: 'success', description: 'a new master key version is active' },
  'vault.key.rewrapped': { outcome: 'success', description: 'records were re-wrapped' },
  'vault.key.retired': { outcome: 'success', description: 'an old master key version retired' },
}

/** Every event type in {@link AUDIT_EVENT_CATALOGUE}. */
export type KnownAuditEventType = keyof typeof AUDIT_EVENT_CATALOGUE
