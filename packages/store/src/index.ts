export { openStore } from './open-store.ts'
export type { OpenStoreOptions } from './open-store.ts'
export type { SqliteStoreOptions } from './sqlite/open-sqlite-store.ts'
export type { PostgresStoreOptions } from './postgres/open-postgres-store.ts'
export type { Store, JsonValue, WithLockOptions, MigrationReport } from './store.ts'
export type { Database } from './schema.ts'
export { StoreError } from './errors.ts'
export type { StoreErrorCode } from './errors.ts'
export { MIGRATIONS } from './migrations/index.ts'
export { LEASE_MS } from './sqlite/lease-lock.ts'
export { getMeta, setMetaIfAbsent, listMeta, deleteMeta } from './repositories/meta.ts'
export {
  insertVaultCredential,
  getVaultCredential,
  findVaultCredential,
  listVaultCredentials,
  swapVaultSecret,
  markVaultNeedsReauth,
  recordVaultRefreshFailure,
  touchVaultCredential,
  rewrapVaultCredential,
  listVaultCredentialsToRewrap,
  countVaultRecordsWithKeyVersion,
  setDefaultVaultCredential,
  claimDefaultVaultCredential,
  deleteVaultCredential,
} from './repositories/vault-credentials.ts'
export {
  putVaultProviderSecret,
  getVaultProviderSecret,
  listVaultProviderSecretsToRewrap,
  rewrapVaultProviderSecret,
} from './repositories/vault-provider-secrets.ts'
export type {
  VaultCredentialRow,
  VaultCredentialMetadataRow,
  VaultSecretUpdate,
} from './repositories/vault-credentials.ts'
export {
  listSealedValuesToRewrap,
  replaceSealedValue,
  countSealedValuesWithKeyVersion,
  SEALED_VALUE_PURPOSES,
} from './repositories/sealed-values.ts'
export type { SealedValuePurpose, SealedValueRow } from './repositories/sealed-values.ts'
export { describeUrl } from './postgres/describe-url.ts'
export {
  publishRevocation,
  revocationsAfter,
  recentRevocations,
  isAccessTokenRevoked,
  purgeRevocations,
} from './repositories/revocations.ts'
export type { RecordedRevocation } from './repositories/revocations.ts'
export { deleteProvider, listProviders, putProvider } from './repositories/providers.ts'
export type { DeletedProvider, ProviderRow } from './repositories/providers.ts'
export {
  insertPendingLink,
  findPendingLinkByIdHash,
  findPendingLinkByState,
  markPendingLinkStarted,
  markPendingLinkDone,
  completedLinkElicitations,
  deleteExpiredPendingLinks,
  deletePendingLinksOf,
  listOpenPendingLinks,
  rekeyPendingLink,
  cancelPendingLink,
} from './repositories/pending-links.ts'
export type { PendingLinkRow } from './repositories/pending-links.ts'
export {
  insertGatewayApproval,
  findGatewayApproval,
  decideGatewayApproval,
  spendGatewayApproval,
  deleteExpiredGatewayApprovals,
} from './repositories/gateway-approvals.ts'
export type { GatewayApprovalRow, GatewayApprovalStatus } from './repositories/gateway-approvals.ts'
export {
  putUrlElicitationCapability,
  hasUrlElicitationCapability,
} from './repositories/client-capabilities.ts'
export {
  appendAuditEvents,
  auditCheckpoints,
  auditStreamEvents,
  insertAuditCheckpoint,
  listAuditStreams,
} from './repositories/audit.ts'
export type { StoredAuditEvent } from './repositories/audit.ts'
export { queryAuditEvents } from './repositories/audit-query.ts'
export type { AuditQuery } from './repositories/audit-query.ts'
export { createStoreAuditSink } from './audit/store-audit-sink.ts'
export type {
  AuditSigner,
  StoreAuditSink,
  StoreAuditSinkOptions,
} from './audit/store-audit-sink.ts'
export { verifyAuditChain } from './audit/verify-audit-chain.ts'
export type {
  AuditChainFailure,
  AuditChainProblem,
  AuditVerification,
  VerifyAuditChainOptions,
} from './audit/verify-audit-chain.ts'
export { pruneAuditEvents } from './audit/prune-audit-events.ts'
export type { AuditPruneReport } from './audit/prune-audit-events.ts'
export { AuditUnavailableError } from './audit/audit-errors.ts'
export type { AuditErrorCode } from './audit/audit-errors.ts'
export {
  insertUser,
  insertUpstreamUserIfAbsent,
  findUser,
  findUpstreamUser,
  listUsers,
  listUsernames,
  findUserIds,
  updateUser,
  advanceTotpStep,
  deleteUser,
} from './repositories/users.ts'
export type { UserRow, UserKey } from './repositories/users.ts'
export { insertUserRole, deleteUserRole, listUserRoles } from './repositories/user-roles.ts'
export {
  loginLockedUntil,
  incrementLoginFailures,
  extendLoginLock,
  clearLoginFailures,
  purgeLoginFailures,
} from './repositories/login-failures.ts'
export {
  listLiveSigningKeys,
  insertSigningKey,
  retireUnscheduledSigningKeys,
  retireSigningKey,
  signingKeySchedule,
} from './repositories/signing-keys.ts'
export type { SigningKeyRow } from './repositories/signing-keys.ts'
export {
  findOidcRecord,
  findOidcRecordBy,
  upsertOidcRecord,
  consumeOidcRecord,
  markOidcRecordConsumed,
  setOidcRecordExpiry,
  deleteOidcRecord,
  deleteOidcRecordsOfGrants,
  purgeExpiredOidcRecords,
  findOidcRecordGrant,
  laterConsumedOidcRecords,
} from './repositories/oidc-records.ts'
export type { OidcRecordState, OidcRecordWrite } from './repositories/oidc-records.ts'
export {
  findGrantRecord,
  listGrantRecordsOf,
  grantIdsOf,
  grantOwners,
  latestGrantId,
  listRecordsOfGrants,
} from './repositories/oidc-grants.ts'
export type { GrantRecord } from './repositories/oidc-grants.ts'
export { listSessionRecords, deleteSessionRecords } from './repositories/oidc-sessions.ts'
export type { SessionRecord } from './repositories/oidc-sessions.ts'
export { listClientRecords, findClientRecords } from './repositories/oidc-clients.ts'
export type { ClientRecord } from './repositories/oidc-clients.ts'
