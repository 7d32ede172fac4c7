/**
 * `@mandate/client`: MCP authorization for AI hosts. {@link createMandateAuth} gives the SDK v2
 * transport a fetch that discovers, registers, signs in through the browser (RFC 8252 loopback
 * redirect), steps up and refreshes; tokens are kept encrypted, keyed by server and issuer. URL
 * elicitations are checked against a domain policy and opened only with consent.
 *
 * @example
 * ```ts
 * import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
 * import {
 *   createEncryptedFileStore,
 *   createLoopbackAuthorizer,
 *   createMandateAuth,
 *   createMandateClient,
 *   defaultKeySource,
 *   openInBrowser,
 * } from '@mandate/client'
 *
 * const serverUrl = 'https://mcp.example.com/mcp'
 * const path = '/home/me/.config/my-host/credentials.enc'
 * const authorizer = await createLoopbackAuthorizer({ present: ({ url }) => openInBrowser(url) })
 * const mandate = createMandateAuth({
 *   serverUrl,
 *   authorizer,
 *   store: createEncryptedFileStore({ path, keySource: defaultKeySource(path) }),
 *   clientMetadata: { client_name: 'My AI host' },
 * })
 * const client = createMandateClient({ name: 'my-host', version: '1.0.0' })
 * await client.connect(new StreamableHTTPClientTransport(new URL(serverUrl), { fetch: mandate.fetch }))
 * ```
 *
 * @packageDocumentation
 */
export { AuthorizationError, ClientError, CLIENT_ERROR_CODES } from './errors.ts'
export type { ClientErrorCode } from './errors.ts'
export { createMandateAuth } from './auth/create-mandate-auth.ts'
export type { MandateAuth, MandateAuthOptions } from './auth/create-mandate-auth.ts'
export { MandateOAuthProvider } from './auth/mandate-oauth-provider.ts'
export { createMandateClient } from './mcp/create-mandate-client.ts'
export type { MandateClientOptions } from './mcp/create-mandate-client.ts'
export type { PreRegisteredClient } from './auth/pre-registered-client.ts'
export type { Authorizer, AuthorizationRequest, AuthorizationReason } from './auth/authorizer.ts'
export { createLoopbackAuthorizer } from './auth/loopback-authorizer.ts'
export { createEnterpriseAuth } from './auth/enterprise-auth.ts'
export type {
  ConfidentialClient,
  EnterpriseAuth,
  EnterpriseAuthOptions,
} from './auth/enterprise-auth.ts'
export { createWorkloadIdentityAuth } from './auth/workload-identity-auth.ts'
export type {
  WorkloadAssertionSource,
  WorkloadIdentityAuthOptions,
} from './auth/workload-identity-auth.ts'
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
export { osKeychain } from './storage/os-keychain.ts'
export { defaultKeySource } from './storage/default-key-source.ts'
export type { DefaultKeySourceOptions } from './storage/default-key-source.ts'
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
} from './elicitation/url-elicitation-options.ts'
export { evaluateElicitationUrl } from './elicitation/domain-policy.ts'
export type { DomainPolicy, UrlDecision } from './elicitation/domain-policy.ts'
export { describeUrl, skeleton } from './elicitation/describe-url.ts'
export type { UrlDisplay, UrlFlag } from './elicitation/describe-url.ts'
export { launchWithHandshake, formatStdioHandshake } from './stdio/launch-with-handshake.ts'
export type { LaunchOptions } from './stdio/launch-with-handshake.ts'
export { createHandshakeStdioTransport } from './stdio/create-handshake-stdio-transport.ts'
export { obtainStdioToken } from './stdio/obtain-stdio-token.ts'
export type { ObtainStdioTokenOptions } from './stdio/obtain-stdio-token.ts'
