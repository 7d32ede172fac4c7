import { answerPreflight } from './answer-preflight.ts'
import { authenticateCaller } from './authenticate-caller.ts'
import { checkTransport } from './check-transport.ts'
import { decideToolCalls } from './decide-tool-calls.ts'
import { dispatchToMcp } from './dispatch-to-mcp.ts'
import { enforceToolRequirements } from './enforce-tool-requirements.ts'
import { openNotificationStream } from './open-notification-stream.ts'
import type { CallStep } from './protected-call.ts'
import { readJsonBody } from './read-json-body.ts'
import { recordToolCalls } from './record-tool-calls.ts'
import { refuseTokenInQuery } from './refuse-token-in-query.ts'
import { rememberInitialize } from './remember-initialize.ts'
import { requireScopes } from './require-scopes.ts'
import { requireTaskCapability } from './require-task-capability.ts'
import { resumeStream } from './resume-stream.ts'

/**
 * A call to the protected MCP endpoint, in order: the first step that answers ends it. Scopes
 * and step-up requirements are decided by the scope gate only (`requireScopes` for the
 * endpoint, `decideToolCalls` for each tool call, whose decisions are audited and enforced).
 */
export const MCP_CALL_STEPS: readonly CallStep[] = Object.freeze([
  checkTransport,
  answerPreflight,
  refuseTokenInQuery,
  authenticateCaller,
  requireScopes,
  resumeStream,
  openNotificationStream,
  readJsonBody,
  requireTaskCapability,
  decideToolCalls,
  recordToolCalls,
  enforceToolRequirements,
  rememberInitialize,
  dispatchToMcp,
])
