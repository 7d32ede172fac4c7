/**
 * `@mandate/core`: what every Mandate package shares and nothing more: errors with stable codes,
 * the redacting logger, WWW-Authenticate and bounded JSON parsing, OAuth/MCP wire types, audit
 * events, signed payloads, and URL policy (loopback, host patterns, canonical resource URLs).
 * No Node networking here: the SSRF-safe fetch is `@mandate/core/node`.
 *
 * @example
 * ```ts
 * import { canonicalUrl, createLogger, hostMatchesPattern, isLoopbackHost } from '@mandate/core'
 *
 * const logger = createLogger({ level: 'info' })
 * const resource = new URL('http://127.0.0.1:3000/mcp/')
 * if (resource.protocol === 'http:' && !isLoopbackHost(resource.hostname)) {
 *   throw new Error('plain http only on loopback')
 * }
 * logger.info('serving', { resource: canonicalUrl(resource) }) // http://127.0.0.1:3000/mcp
 * hostMatchesPattern('api.example.com', '*.example.com') // true
 * ```
 *
 * @packageDocumentation
 */
export { MandateError, ConfigurationError } from './errors.ts'
export { createLogger, silentLogger, LOG_LEVELS } from './log/logger.ts'
export type { Logger, LoggerOptions, LogFields, LogLevel } from './log/logger.ts'
export {
  redact,
  redactPath,
  redactString,
  redactUrl,
  isSecretField,
  REDACTED,
  SECRET_PATH_RULES,
} from './log/redact.ts'
export type { SecretPathRule } from './log/redact.ts'
export type { AuthChallenge } from './http/www-authenticate.ts'
export { buildChallenge, buildWwwAuthenticate } from './http/build-www-authenticate.ts'
export { parseWwwAuthenticate } from './http/parse-www-authenticate.ts'
export {
  DEFAULT_JSON_BOUNDS,
  JsonBoundsError,
  jsonDepthExceeds,
  parseJsonBounded,
} from './http/parse-json-bounded.ts'
export type { JsonBounds, JsonBoundsErrorCode } from './http/parse-json-bounded.ts'
export { OAuthProtocolError, JSONRPC_ERROR } from './oauth/errors.ts'
export type { ResourceErrorCode, OAuthErrorResponse } from './oauth/errors.ts'
export { protectedResourceMetadataUrl } from './oauth/metadata.ts'
export type { ProtectedResourceMetadata, AuthorizationServerMetadata } from './oauth/metadata.ts'
export {
  FEED_CHECKPOINT_SET_EVENT,
  REVOCATION_CHANNEL,
  REVOCATION_FEED_METADATA,
  REVOCATION_SET_EVENT,
  SECEVENT_JWT_TYPE,
} from './oauth/revocation-events.ts'
export type { RevocationEvent, RevocationReason } from './oauth/revocation-events.ts'
export type {
  AuditContext,
  AuditEvent,
  AuditEventType,
  AuditOutcome,
  AuditSink,
  AuthMethod,
  McpAuditEvent,
  OperatorActor,
  OperatorAuditEvent,
} from './audit/events.ts'
export { AUDIT_EVENT_CATALOGUE } from './audit/catalogue.ts'
export type {
  AuditCatalogueEntry,
  ExternalAuditEventType,
  KnownAuditEventType,
} from './audit/catalogue.ts'
export { AUDIT_RECORD_FIELDS, toAuditRecord } from './audit/record.ts'
export type { AuditInput, AuditRecord } from './audit/record.ts'
export {
  auditCheckpointPayload,
  auditEventHash,
  auditGenesisHash,
  auditHashInput,
  auditHashOf,
} from './audit/chain.ts'
export type { AuditCheckpoint, ChainedAuditRecord } from './audit/chain.ts'
export { signPayload, verifyPayload } from './crypto/signed-payload.ts'
export { canonicalUrl, sameCanonicalUrl } from './url/canonical-url.ts'
export { domainPattern, hostMatchesPattern } from './url/host-pattern.ts'
export {
  isLoopbackHost,
  isLoopbackIpLiteral,
  isLoopbackListenHost,
  LOOPBACK_HOST_ALIASES,
} from './url/loopback.ts'
export { escapeHtml, html, raw } from './pages/safe-html.ts'
export type { HtmlValue, SafeHtml } from './pages/safe-html.ts'
export { hasString, STRINGS, stringFragments, t, text, translatedOrRaw } from './pages/strings.ts'
export type { StringKey } from './pages/strings.ts'
export { PAGE_LINKS, renderPage } from './pages/layout.ts'
export type { PageOptions, PageUser } from './pages/layout.ts'
export { relativeTime } from './pages/format.ts'
export { dataTable } from './pages/data-table.ts'
export type { DataTableOptions, TableColumn } from './pages/data-table.ts'
export {
  ASSET_CACHE_CONTROL,
  PAGE_CSP,
  PAGE_SCRIPT,
  PAGE_SECURITY_HEADERS,
  PAGE_SCRIPT_PATH,
  pageAsset,
  STYLESHEET,
  STYLESHEET_PATH,
} from './pages/stylesheet.ts'
