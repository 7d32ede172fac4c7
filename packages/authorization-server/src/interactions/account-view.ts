import { queryAuditEvents } from '@mandate/store'
import type { StringKey } from '@mandate/core'
import { csrfToken } from '../sessions/step-token.ts'
import { accountBinding } from '../sessions/account-session.ts'
import type { AccountSession } from '../sessions/account-session.ts'
import { grantActivity, listGrantsOf } from '../grants/grant-summaries.ts'
import { describeClient } from '../clients/client-view.ts'
import { sessionsOf } from '../sessions/browser-sessions.ts'
import { ACCOUNT_CLIENT_ID } from '../provider/account-client.ts'
import { accountPage } from '../pages/account-dashboard.ts'
import type { AccountView } from '../pages/account-dashboard.ts'
import type { AccountContext, AccountDeps, AccountStep } from './account-env.ts'
import { pageUserOf } from './account-steps.ts'

const NOTICES: Readonly<Record<string, StringKey>> = {
  sessions: 'account.signedOutEverywhere',
}

/** The applications the user gave access to (grants), with their first and last use. */
async function connectedAgents(deps: AccountDeps, accountId: string) {
  // The internal sign-in client is not an application the user gave access to.
  const grants = (await listGrantsOf(deps.store, accountId)).filter(
    (grant) => grant.clientId !== ACCOUNT_CLIENT_ID,
  )
  const activity = await grantActivity(
    deps.store,
    grants.map((g) => g.grantId),
  )
  const configured = deps.configuredClients ?? new Set<string>()
  return Promise.all(
    grants.map(async (g) => ({
      grantId: g.grantId,
      client: await describeClient(deps.provider(), g.clientId, configured),
      scopes: g.scopes
        .filter((name) => name !== 'openid')
        .map((name) => ({ name, description: deps.scopeDescriptions?.[name] })),
      first: activity.get(g.grantId)?.first,
      last: activity.get(g.grantId)?.last,
    })),
  )
}

/** The user's recent audit events, or undefined when no audit trail is stored. */
async function recentActivity(
  deps: AccountDeps,
  accountId: string,
): Promise<AccountView['activity']> {
  // Own events only: the audit trail filtered by this `sub` (never by a name another could hold).
  const events = await queryAuditEvents(deps.store, {
    user: accountId,
    order: 'desc',
    limit: 15,
  }).catch(() => undefined)
  return events
    ?.filter((e) => e.sub === accountId)
    .map((e) => ({
      time: e.time,
      type: e.type,
      outcome: e.outcome,
      client: e.client_name ?? e.client_id ?? undefined,
    }))
}

/** The methods of this browser's sign-in (oidc-provider's session `amr`). */
async function signInMethods(c: AccountContext): Promise<string[]> {
  const provider = c.var.deps.provider()
  const found = await provider.Session.get(provider.createContext(c.env.incoming, c.env.outgoing))
  return (found as unknown as { amr?: string[] }).amr ?? []
}

/** Everything the account page shows of the signed-in user. */
async function accountView(c: AccountContext, s: AccountSession): Promise<AccountView> {
  const { deps } = c.var
  const user = await deps.users.get(s.accountId)
  const agents = await connectedAgents(deps, s.accountId)
  const activity = await recentActivity(deps, s.accountId)
  const loginAmr = await signInMethods(c)
  const header = await pageUserOf(deps, s.accountId)
  const notice =
    c.req.query('need') === 'mfa' ? 'admin.mfaRequired' : NOTICES[c.req.query('done') ?? '']
  return {
    csrf: csrfToken(deps.secret, accountBinding(s)),
    user: {
      ...header,
      username: user?.username ?? s.accountId,
      displayName: user?.displayName ?? null,
      email: user?.email ?? null,
    },
    mfa: user?.mfa === true,
    hasPassword: user?.upstreamIssuer == null,
    signedIn: { at: s.authTime, methods: loginAmr.length > 0 ? loginAmr : ['pwd'] },
    agents,
    activity,
    sessions: { count: (await sessionsOf(deps.store, s.accountId, s.uid)).length },
    linked: await deps.linkedAccounts?.(s.accountId).catch(() => undefined),
    pending: await deps.pendingApprovals?.(s.accountId).catch(() => undefined),
    notice,
  }
}

/** `GET /account`: who you are, connected agents, linked accounts, activity, security. */
export const showAccount: AccountStep = async (c) => {
  c.header('Cache-Control', 'no-store')
  return c.html(accountPage(await accountView(c, c.var.session)))
}
