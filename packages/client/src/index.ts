export { ClientError, CLIENT_ERROR_CODES } from './errors.ts'
export type { ClientErrorCode } from './errors.ts'
export { createMandateAuth } from './auth/create-mandate-auth.ts'
export type { MandateAuth, MandateAuthOptions } from './auth/create-mandate-auth.ts'
export { MandateOAuthProvider } from './auth/mandate-oauth-provider.ts'
export type { PreRegisteredClient } from './auth/mandate-oauth-provider.ts'
export type { Authorizer, AuthorizationRequest, AuthorizationReason } from './auth/authorizer.ts'
export { createLoopbackAuthorizer } from './auth/loopback-authorizer.ts'
export type { LoopbackAuthorizer, LoopbackAuthorizerOptions } from './auth/loopback-authorizer.ts'
export type { AuthStatus, StatusListener } from './auth/status.ts'
export { checkResource } from './auth/check-resource.ts'
export { checkAuthorizationServer } from './auth/check-authorization-server.ts'
export { guardedDiscoveryFetch } from './auth/guarded-discovery-fetch.ts'
export type { GuardedFetchOptions } from './auth/guarded-discovery-fetch.ts'
export { createMemoryStore } from './storage/credential-store.ts'
export type { CredentialStore, ServerCredentials } from './storage/credential-store.ts'
export {
  createEncryptedFileStore,
  fileKeySource,
  keychainKeySource,
} from './storage/encrypted-file-store.ts'
export type {
  EncryptedFileStoreOptions,
  KeySource,
  KeychainBackend,
} from './storage/encrypted-file-store.ts'
export { assertSafeBrowserUrl } from './url/assert-safe-browser-url.ts'
export type { SafeBrowserUrlOptions } from './url/assert-safe-browser-url.ts'
export { openInBrowser } from './url/open-in-browser.ts'
export type { OpenInBrowserOptions, LaunchProgram } from './url/open-in-browser.ts'
export { createUrlElicitationSupport } from './elicitation/url-elicitation-support.ts'
export type {
  UrlElicitationOptions,
  UrlElicitationSupport,
  ConsentPrompt,
  ConsentRequest,
  RefusalNotice,
  ManualRetryRequest,
} from './elicitation/url-elicitation-support.ts'
export { evaluateElicitationUrl } from './elicitation/domain-policy.ts'
export type { DomainPolicy, UrlDecision } from './elicitation/domain-policy.ts'
export { describeUrl, skeleton } from './elicitation/describe-url.ts'
export type { UrlDisplay, UrlFlag } from './elicitation/describe-url.ts'
export { launchWithHandshake, formatStdioHandshake } from './stdio/launch-with-handshake.ts'
export type { LaunchOptions } from './stdio/launch-with-handshake.ts'
export { createHandshakeStdioTransport } from './stdio/create-handshake-stdio-transport.ts'
export { obtainStdioToken } from './stdio/obtain-stdio-token.ts'
export type { ObtainStdioTokenOptions } from './stdio/obtain-stdio-token.ts'
