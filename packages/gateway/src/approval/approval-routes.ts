import { Hono } from 'hono'
import type { Context, MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { PAGE_SECURITY_HEADERS } from '@mandate/core'
import { LINK_COMPLETED_CHANNEL } from '@mandate/server/linking'
import { decideGatewayApproval, findGatewayApproval } from '@mandate/store'
import type { GatewayApprovalRow } from '@mandate/store'
import type { ApprovalContext } from './approval-context.ts'
import type { ApprovalBrowserUser } from './approval-options.ts'
import { approvalCsrf, approvalCsrfValid, approvalMessage, approvalPage } from './approval-pages.ts'
import { hashApprovalId } from './require-approval.ts'

/** One request to an approval page, filled in step by step. */
interface ApprovalFlow {
  c: Context
  approval: ApprovalContext
  id: string
  user?: ApprovalBrowserUser | undefined
  row?: GatewayApprovalRow
  decision?: 'approved' | 'denied'
}

/** A step answers (ends the request) or returns undefined (the next step runs). */
type ApprovalStep = (flow: ApprovalFlow) => Promise<Response | undefined>

/** A signed-out browser signs in and comes back to this approval. */
const requireSignedIn: ApprovalStep = async (flow) => {
  const { config } = flow.approval
  flow.user = await config.signedInUser(flow.c)
  if (flow.user !== undefined) return undefined
  return flow.c.redirect(config.signInUrl(`${config.baseUrl}${config.path}/${flow.id}`), 303)
}

/** The approval the URL names (only its hash is stored); unknown ids look alike. */
const loadApproval: ApprovalStep = async (flow) => {
  const row = /^[\w-]{43}$/.test(flow.id)
    ? await findGatewayApproval(flow.approval.store, hashApprovalId(flow.id))
    : undefined
  if (row === undefined) return page(flow, 'approval.notFound', 'approval.notFoundText', 404)
  flow.row = row
  return undefined
}

/** Only the user whose call it is may see or decide it (another user: nothing approved). */
const requireOwner: ApprovalStep = (flow) =>
  Promise.resolve(
    flow.row?.sub === flow.user?.sub
      ? undefined
      : page(flow, 'approval.notForYou', 'approval.notForYouText', 403),
  )

/** Decided, spent or expired approvals are closed. */
const requireOpen: ApprovalStep = (flow) => {
  const row = flow.row
  const open = row?.status === 'pending' && row.expiresAt > flow.approval.config.now()
  return Promise.resolve(open ? undefined : page(flow, 'approval.gone', 'approval.goneText', 410))
}

/** A rule with `mfa: true`: the browser's sign-in must have used a second factor. */
const requireSecondFactor: ApprovalStep = (flow) => {
  const amr = flow.user?.amr ?? []
  const ok = flow.row?.mfa !== true || amr.includes('otp') || amr.includes('recovery')
  return Promise.resolve(
    ok ? undefined : page(flow, 'approval.mfaRequired', 'approval.mfaRequiredText', 403),
  )
}

/** `GET`: the call as the person approves it, with the form. */
const renderApproval: ApprovalStep = async (flow) => {
  const row = flow.row as GatewayApprovalRow
  const csrf = approvalCsrf(await flow.approval.secret(), row.idHash, row.sub)
  const { path } = flow.approval.config
  return flow.c.html(approvalPage(row, `${path}/${flow.id}`, csrf))
}

/** `POST`: the CSRF token of this approval and user, and a decision. */
const checkForm: ApprovalStep = async (flow) => {
  const row = flow.row as GatewayApprovalRow
  const form = await flow.c.req.parseBody()
  const secret = await flow.approval.secret()
  if (!approvalCsrfValid(secret, row.idHash, row.sub, form['csrf'])) {
    return page(flow, 'approval.gone', 'approval.badForm', 403)
  }
  const decision = form['decision']
  if (decision !== 'approve' && decision !== 'deny') {
    return page(flow, 'approval.gone', 'approval.badForm', 400)
  }
  flow.decision = decision === 'approve' ? 'approved' : 'denied'
  return undefined
}

/**
 * Records the decision (one wins: conditional update), audits it, and tells the initiating
 * client's 2025-11-25 stream (`notifications/elicitation/complete`, through account linking's
 * completion channel: same user and OAuth client only).
 */
const recordDecision: ApprovalStep = async (flow) => {
  const row = flow.row as GatewayApprovalRow
  const decision = flow.decision as 'approved' | 'denied'
  const { store, config } = flow.approval
  const key = { idHash: row.idHash, sub: row.sub }
  if (!(await decideGatewayApproval(store, key, decision, config.now()))) {
    return page(flow, 'approval.gone', 'approval.goneText', 410)
  }
  await flow.approval.audit({
    step: decision,
    sub: row.sub,
    clientId: row.clientId,
    upstream: row.upstream,
    tool: row.tool,
    callHash: row.callHash,
  })
  await store
    .publish(LINK_COMPLETED_CHANNEL, {
      sub: row.sub,
      client_id: row.clientId,
      provider: 'gateway-approval',
      elicitation_id: row.elicitationId,
    })
    .catch((error: unknown) => {
      flow.approval.logger.warn('approval completion notice failed', { error })
    })
  return decision === 'approved'
    ? page(flow, 'approval.approved', 'approval.approvedText', 200)
    : page(flow, 'approval.denied', 'approval.deniedText', 200)
}

const SHOW: readonly ApprovalStep[] = [
  requireSignedIn,
  loadApproval,
  requireOwner,
  requireOpen,
  requireSecondFactor,
  renderApproval,
]
const DECIDE: readonly ApprovalStep[] = [
  requireSignedIn,
  loadApproval,
  requireOwner,
  requireOpen,
  requireSecondFactor,
  checkForm,
  recordDecision,
]

function page(
  flow: ApprovalFlow,
  title: Parameters<typeof approvalMessage>[0],
  message: Parameters<typeof approvalMessage>[1],
  status: 200 | 400 | 403 | 404 | 410,
): Response {
  return flow.c.html(approvalMessage(title, message), status)
}

async function runSteps(flow: ApprovalFlow, steps: readonly ApprovalStep[]): Promise<Response> {
  for (const step of steps) {
    const answer = await step(flow)
    if (answer !== undefined) return answer
  }
  throw new Error('approval steps ended without an answer')
}

/** Never framed (catalogue #16), never cached, no Referer carrying the approval id. */
const pageHeaders: MiddlewareHandler = async (c, next) => {
  await next()
  for (const [name, value] of Object.entries(PAGE_SECURITY_HEADERS)) c.header(name, value)
  c.header('Cache-Control', 'no-store')
}

/** The approval pages, mounted at `approval.config.path`: `GET` and `POST /<id>`. */
export function approvalRoutes(approval: ApprovalContext): Hono {
  const app = new Hono()
  app.use('*', pageHeaders)
  // The form is a few hundred bytes (RFC 9110 §15.5.14).
  app.use(
    '*',
    bodyLimit({
      maxSize: 16 * 1024,
      onError: (c) => c.html(approvalMessage('approval.gone', 'approval.badForm'), 413),
    }),
  )
  const flow = (c: Context): ApprovalFlow => ({ c, approval, id: c.req.param('id') ?? '' })
  app.get('/:id', (c) => runSteps(flow(c), SHOW))
  app.post('/:id', (c) => runSteps(flow(c), DECIDE))
  return app
}
