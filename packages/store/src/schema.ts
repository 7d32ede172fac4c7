import type { Generated } from 'kysely'

/**
 * The database schema as Kysely sees it. One interface per table; columns use snake_case as
 * in SQL. Times are integer milliseconds since the epoch on both backends.
 */
export interface Database {
  mandate_meta: MetaTable
  replay_keys: ReplayKeyTable
  lock_leases: LockLeaseTable
  vault_credentials: VaultCredentialTable
  vault_provider_secrets: VaultProviderSecretTable
  as_oidc_records: AsOidcRecordTable
  as_signing_keys: AsSigningKeyTable
  as_users: AsUserTable
  as_login_failures: AsLoginFailureTable
  as_user_roles: AsUserRoleTable
  revocations: RevocationTable
  server_pending_links: ServerPendingLinkTable
  server_client_capabilities: ServerClientCapabilityTable
  gateway_approvals: GatewayApprovalTable
  providers: ProviderTable
  audit_events: AuditEventTable
  audit_checkpoints: AuditCheckpointTable
}

/** Small named values the installation keeps about itself (e.g. key check values). */
export interface MetaTable {
  name: string
  value: string
}

/** Keys seen once within their lifetime: DPoP `jti`s, one-time codes. See `setIfAbsent`. */
export interface ReplayKeyTable {
  key: string
  expires_at: number
}

/** Lease-based locks, used by the SQLite backend's `withLock`. */
export interface LockLeaseTable {
  key: string
  owner: string
  expires_at: number
}

/** Third-party credentials (@mandate/vault). `secret` is an envelope, never plaintext. */
export interface VaultCredentialTable {
  id: string
  sub: string
  provider: string
  account: string
  kind: 'oauth' | 'api_key'
  /** 1 for the account used when a caller names none; at most one per (sub, provider). */
  is_default: number
  status: 'active' | 'needs_reauth'
  /** Granted scopes, space-separated. */
  scopes: string
  token_type: string
  expires_at: number | null
  key_version: number
  secret: string
  /** Compare-and-swap counter: bumped by every write of `secret`, and only by those. */
  version: number
  refresh_failures: number
  refresh_blocked_until: number | null
  last_used_at: number | null
  created_at: number
  updated_at: number
}

/** OAuth client credentials of configured providers, vault-encrypted. */
export interface VaultProviderSecretTable {
  provider: string
  key_version: number
  secret: string
  updated_at: number
}

/** oidc-provider adapter records, keyed by model and SHA-256 of the id (never the raw id). */
export interface AsOidcRecordTable {
  model: string
  id_hash: string
  payload: string
  grant_id: string | null
  uid_hash: string | null
  user_code_hash: string | null
  expires_at: number | null
  consumed_at: number | null
  reuse_count: Generated<number>
  /** Grants only: the owner, so that consent is remembered per user and client. */
  account_id: string | null
  client_id: string | null
}

/** Authorization-server signing keys; `private_jwk` is sealed with the installation key ring. */
export interface AsSigningKeyTable {
  kid: string
  alg: string
  private_jwk: string
  created_at: number
  activates_at: number
  retires_at: number | null
}

/** A role of a local user (`operator` opens /admin); set by `mandate users grant-role`. */
export interface AsUserRoleTable {
  user_id: string
  role: string
  granted_at: number
}

/**
 * Consecutive sign-in failures per username, known or not, by SHA-256 of the normalised name:
 * one atomic counter per name and the lock it earned (@mandate/authorization-server).
 */
export interface AsLoginFailureTable {
  key_hash: string
  failed_logins: number
  locked_until: number | null
  updated_at: number
}

/** Local and upstream-linked user accounts of the authorization server. */
export interface AsUserTable {
  id: string
  username: string
  display_name: string | null
  email: string | null
  password_hash: string | null
  upstream_issuer: string | null
  upstream_subject: string | null
  disabled_at: number | null
  totp_secret: string | null
  totp_enrolled_at: number | null
  totp_last_step: number | null
  recovery_codes: string | null
  created_at: number
}

/**
 * The revocation log (docs/revocation.md): deny-list of access-token `jti`s until their expiry,
 * grant/user/client cut-offs, and the ordered source of the revocation feed.
 */
export interface RevocationTable {
  seq: Generated<number>
  /** The event `type`: token, grant, subject, client, key, credential. */
  kind: string
  jti: string | null
  /** SHA-256 (hex) of the grant id, as in the access token's `gid` claim. */
  gid: string | null
  sub: string | null
  client_id: string | null
  at: number
  expires_at: number
  /** The `RevocationEvent` as JSON. */
  event: string
}

/** A pending account link of @mandate/server (URL elicitation), bound to `sub`. */
export interface ServerPendingLinkTable {
  /** SHA-256 (hex) of the random id in the `/connect/<id>` URL. */
  id_hash: string
  sub: string
  elicitation_id: string
  provider: string
  /** JSON array of scopes. */
  scopes: string
  /** `pending`, `started` (sent to the provider), `done`, `cancelled` (by its owner). */
  status: string
  state: string | null
  /** JSON of the vault's `LinkTransaction` (its secrets are vault-sealed). */
  transaction: string | null
  created_at: number
  expires_at: number
  /** The OAuth client the link was made for (completion notices go to it only). */
  client_id: string | null
  completed_at: number | null
}

/** Whether a 2025-era client (per user and OAuth client) declared URL-mode elicitation. */
export interface ServerClientCapabilityTable {
  sub: string
  client_id: string
  url_elicitation: number
  updated_at: number
}

/** Calls a person is asked to approve (the gateway's `approve` policy action). */
export interface GatewayApprovalTable {
  id_hash: string
  call_hash: string
  sub: string
  client_id: string
  upstream: string
  tool: string
  arguments: string
  mfa: number
  status: string
  elicitation_id: string
  created_at: number
  expires_at: number
}

/** Providers registered with `mandate providers add`; the client secret is in the vault. */
export interface ProviderTable {
  id: string
  definition: string
  client_id: string | null
  created_at: number
  updated_at: number
}

/** The audit trail (docs/audit.md): events hash-chained per instance stream. */
export interface AuditEventTable {
  id: Generated<number>
  stream: string
  seq: number
  time: number
  type: string
  outcome: string
  sub: string | null
  user_name: string | null
  client_id: string | null
  client_name: string | null
  act: string | null
  tool: string | null
  server: string | null
  scope_requested: string | null
  scope_granted: string | null
  acr: string | null
  amr: string | null
  ip: string | null
  user_agent: string | null
  request_id: string | null
  instance_id: string | null
  detail: string
  prev_hash: string
  hash: string
}

/** Signed anchors of the audit chains (docs/audit.md). */
export interface AuditCheckpointTable {
  id: Generated<number>
  stream: string
  seq: number
  hash: string
  time: number
  kid: string
  signature: string
}
