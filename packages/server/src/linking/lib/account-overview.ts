import { accountForm } from './account-actions.ts'
import type { AccountForm } from './account-actions.ts'
import type { LinkingContext } from './linking-context.ts'
import { providerName } from './linking-context.ts'
import { openLinksOf } from './pending-links.ts'

/** A linked account as another page (the account page) lists it, with its relink form. */
export interface LinkedAccountOverview {
  provider: string
  account: string
  scopes: string[]
  lastUsedAt: number | null
  needsReauth: boolean
  /** Absent when the provider is no longer offered (it can only be unlinked). */
  relink?: AccountForm
}

/** A request to connect an account the user has not finished, with its open and cancel forms. */
export interface PendingApprovalOverview {
  provider: string
  scopes: string[]
  requestedAt: number
  open: AccountForm
  cancel: AccountForm
}

/** What the account page shows of a user's linking: metadata and forms, never a secret. */
export interface LinkingOverview {
  linked: LinkedAccountOverview[]
  pending: PendingApprovalOverview[]
}

/**
 * `sub`'s linked accounts and pending requests, each with forms that post to the
 * linked-accounts routes with this user's CSRF token and come back to `/account`.
 */
export async function linkingOverview(
  linking: LinkingContext,
  sub: string,
): Promise<LinkingOverview> {
  const { vault, store, config } = linking
  const back = { back: 'account' }
  const linked = (await vault.listCredentials(sub)).map((c) => ({
    provider: providerName(vault, c.provider),
    account: c.account,
    scopes: c.scopes,
    lastUsedAt: c.last_used_at,
    needsReauth: c.status === 'needs_reauth',
    ...(vault.catalog.get(c.provider) === undefined
      ? {}
      : { relink: accountForm(linking, sub, 'relink', { id: c.id }) }),
  }))
  const pending = (await openLinksOf(store, sub, config.now())).map((l) => ({
    provider: providerName(vault, l.provider),
    scopes: l.scopes,
    requestedAt: l.createdAt,
    open: accountForm(linking, sub, 'pending/open', { link: l.idHash }),
    cancel: accountForm(linking, sub, 'pending/cancel', { link: l.idHash, ...back }),
  }))
  return { linked, pending }
}
