export { createProtectedMcpHandler } from './create-protected-mcp-handler.ts'
export type { ProtectedMcpHandler } from './create-protected-mcp-handler.ts'
export { mountOnHono } from './mount-on-hono.ts'
export { createNodeHandler } from './create-node-handler.ts'
export type { NodeProtectedMcpHandler } from './create-node-handler.ts'
export type {
  ProtectOptions,
  ProtectedRequestContext,
  ServerFactory,
  DpopOptions,
} from './options.ts'
export type { NotificationSource, NotificationStreamOptions } from './notifications.ts'
export { getIdentity, findIdentity } from './identity.ts'
export type { McpIdentity, Actor } from './identity.ts'
export { defineTool, evaluateRequirement, REQUIREMENTS_META_KEY } from './tools.ts'
export { InsufficientScopeError, requestScopeChallenge } from './late-scope-challenge.ts'
export { runAsTask, TASKS_EXTENSION } from './tasks/run-as-task.ts'
export type { TaskContext, CreateTaskResult } from './tasks/run-as-task.ts'
export { TaskLimitError } from './tasks/task-registry.ts'
export type { ProtectedTool, ToolRequirement, RequirementFailure, ToolConfig } from './tools.ts'
export { createJwtVerifier, DEFAULT_JWT_ALGORITHMS } from './verify/create-jwt-verifier.ts'
export type {
  JwtVerifier,
  JwtVerifierOptions,
  TrustedIssuer,
} from './verify/create-jwt-verifier.ts'
export { createIntrospectionVerifier } from './verify/create-introspection-verifier.ts'
export type { IntrospectionVerifierOptions } from './verify/create-introspection-verifier.ts'
export { RevocationListener } from './verify/revocation-listener.ts'
export type { RevocationSource, RevocationListenerOptions } from './verify/revocation-listener.ts'
export { storeRevocationFeed } from './verify/revocation-feed.ts'
export { httpRevocationFeed } from './verify/http-revocation-feed.ts'
export type { HttpRevocationFeedOptions } from './verify/http-revocation-feed.ts'
export type {
  RevocationFeed,
  RevocationSink,
  StoreRevocationFeedOptions,
} from './verify/revocation-feed.ts'
export { TokenRejectedError } from './verify/token-rejected-error.ts'
export type { TokenVerifier, VerifiedToken } from './verify/verified-token.ts'
export { verifyDpopProof, DEFAULT_DPOP_ALGORITHMS } from './dpop/verify-dpop-proof.ts'
export type { DpopCheck } from './dpop/verify-dpop-proof.ts'
export { createDpopNonces } from './dpop/dpop-nonces.ts'
export type { DpopNonces } from './dpop/dpop-nonces.ts'
export { DpopProofError } from './dpop/dpop-proof-error.ts'
export { readStdioHandshake } from './stdio/read-stdio-handshake.ts'
export type {
  ReadStdioHandshakeOptions,
  StdioHandshakeResult,
} from './stdio/read-stdio-handshake.ts'
export { serveStdioWithHandshake } from './stdio/serve-stdio.ts'
export type { ServeStdioOptions } from './stdio/serve-stdio.ts'
export { STDIO_HANDSHAKE_VERSION, STDIO_HANDSHAKE_MAX_BYTES } from './stdio/handshake-format.ts'
export type { StdioHandshake } from './stdio/handshake-format.ts'
// Account linking has its own entry point, `@mandate/server/linking`; tools declare what they
// read with `defineTool({ access })`.
export type { LinkedAccess } from './linking/linked-access.ts'
export { auditUnavailableResponse } from './audit/mcp-audit.ts'
export type { McpAuditOptions, McpAuditRecord } from './audit/mcp-audit.ts'
