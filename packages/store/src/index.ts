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
  putVaultProviderSecret,
  getVaultProviderSecret,
  listVaultProviderSecretsToRewrap,
  rewrapVaultProviderSecret,
} from './repositories/vault-credentials.ts'
export type {
  VaultCredentialRow,
  VaultCredentialMetadataRow,
  VaultSecretUpdate,
} from './repositories/vault-credentials.ts'
export { describeUrl } from './postgres/open-postgres-store.ts'
