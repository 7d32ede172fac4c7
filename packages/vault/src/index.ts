export {
  keyFileProvider,
  environmentKeyProvider,
  createKeyFile,
  readKeyFile,
} from './keys/key-file.ts'
export type { KeyFileContent } from './keys/key-file.ts'
export { verifyKeyRing, keyCheckValue } from './keys/key-check.ts'
export { KEY_BYTES } from './keys/key-ring.ts'
export type { KeyRing, KeyProvider } from './keys/key-ring.ts'
export { keyRingWrapper } from './keys/key-wrapper.ts'
export type { KeyWrapper } from './keys/key-wrapper.ts'
export { cachingKeyWrapper } from './keys/caching-key-wrapper.ts'
export type { CachingKeyWrapperOptions } from './keys/caching-key-wrapper.ts'
export { addKeyFileVersion, removeKeyFileVersion } from './keys/key-file-versions.ts'
export {
  sealEnvelope,
  openEnvelope,
  rewrapEnvelope,
  envelopeKeyVersion,
} from './crypto/envelope.ts'
export type { EnvelopeContext, EnvelopeMaterial } from './crypto/envelope.ts'
export { sealValue, openValue } from './crypto/sealed-value.ts'
export type { SealedValueContext } from './crypto/sealed-value-context.ts'
export { VaultError } from './errors.ts'
export type { VaultErrorCode } from './errors.ts'
export { openVault } from './open-vault.ts'
export type { Vault, ToolVault } from './open-vault.ts'
export type { VaultOptions, VaultAuditEvent, VaultAuditEventType } from './vault-options.ts'
export type {
  CredentialDeclaration,
  FreshCredential,
  GetFreshCredentialInput,
} from './credentials/get-fresh-credential.ts'
export type { CredentialMetadata } from './credentials/credential-metadata.ts'
export type {
  OAuthTokenSet,
  SaveOAuthCredentialInput,
  SaveApiKeyInput,
} from './credentials/save-credential.ts'
export type { UnlinkResult } from './credentials/unlink-credential.ts'
export { rotateKeyFile } from './rotation/rotate-key-file.ts'
export { retireKeyVersion } from './rotation/retire-key-version.ts'
export type { RewrapOptions, RewrapReport } from './rotation/rewrap-records.ts'
export { createProviderCatalog } from './providers/provider-catalog.ts'
export type { ProviderCatalog, ProviderCatalogOptions } from './providers/provider-catalog.ts'
export { PROVIDER_PRESETS } from './providers/presets.ts'
export { validateProvider } from './providers/validate-provider.ts'
export type {
  ProviderDefinition,
  OAuthProviderDefinition,
  ApiKeyProviderDefinition,
  ProviderClient,
} from './providers/provider-definition.ts'
export type { LinkTransaction } from './linking/link-transaction.ts'
export type {
  StartProviderAuthorizationInput,
  ProviderAuthorizationRequest,
} from './linking/start-provider-authorization.ts'
export type { CompleteProviderAuthorizationInput } from './linking/complete-provider-authorization.ts'
