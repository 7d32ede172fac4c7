import { answer, signedInSub } from './connect-flow.ts'
import type { ConnectFlow, ConnectStep } from './connect-flow.ts'
import { redirectToProvider } from './confirm-steps.ts'
import { csrfToken, csrfValid } from './csrf.ts'
import type { LinkingContext } from './linking-context.ts'
import { chosenScopes, relinkChoices, renderScopeChoice } from './relink-scopes.ts'
import {
  cancelLink,
  createPendingLink,
  findPendingLink,
  hashLinkId,
  reopenLink,
} from './pending-links.ts'

/** The CSRF purpose of the linked-accounts forms (here and on the account page). */
export const ACCOUNTS_CSRF = 'accounts'

/** A form another page (the account page) renders to act here: where it posts, what it sends. */
export interface AccountForm {
  action: string
  fields: Readonly<Record<string, string>>
}

/** The SHA-256 (hex) of a link's URL id, as the forms name a pending request. */
const LINK_HASH = /^[0-9a-f]{64}$/

/** Where an action returns: the account page when its form was there, else this page. */
const backTo = (flow: ConnectFlow): string =>
  flow.form?.['back'] === 'account' ? '/account' : '/connect/accounts'

/** A form posting to `/connect/accounts/<path>` with this user's token, for any page. */
export function accountForm(
  linking: LinkingContext,
  sub: string,
  path: 'relink' | 'pending/open' | 'pending/cancel',
  fields: Readonly<Record<string, string>>,
): AccountForm {
  return {
    action: `/connect/accounts/${path}`,
    fields: { csrf: csrfToken(linking.secret, ACCOUNTS_CSRF, sub), ...fields },
  }
}

/** Step: the posted form, with the linked-accounts token of the signed-in user (catalogue #15). */
export const checkAccountsForm: ConnectStep = async (flow) => {
  // `all`: the relink choice repeats `scope`; a repeated field elsewhere fails its check.
  const form = await flow.c.req.parseBody({ all: true })
  if (!csrfValid(flow.linking.secret, ACCOUNTS_CSRF, signedInSub(flow), form['csrf']))
    return answer(flow, 403, 'connect.refused', 'connect.formExpired')
  flow.form = form
  return undefined
}

/**
 * Step (`POST /connect/accounts/relink`): connects one of the user's own accounts again — a new
 * link for its provider, made by the user; an OAuth provider's authorization starts at once
 * (this form is the confirmation), an API-key provider asks for the key. With `choose=1` the
 * person first picks which of the granted scopes to keep (`relinkChoices`); the form then comes
 * back with `scopes_chosen=1` and those scopes only. On success the vault replaces the stored
 * credential of the same account, with what the provider granted (`vault.credential.linked`).
 */
export const relinkAccount: ConnectStep = async (flow) => {
  const { vault, store, config } = flow.linking
  const sub = signedInSub(flow)
  const id = flow.form?.['id']
  // Only the user's own credentials: another user's id is simply not found (catalogue #200).
  const account = (await vault.listCredentials(sub)).find((a) => a.id === id)
  const provider = account === undefined ? undefined : vault.catalog.get(account.provider)
  if (account === undefined || provider === undefined)
    return answer(flow, 404, 'linked.notFound', 'connect.accountNotFound')
  const choices = relinkChoices(provider, account)
  if (flow.form?.['choose'] === '1' && choices.length > 0)
    return renderScopeChoice(flow, provider, account, choices)
  let scopes = provider.kind === 'api_key' ? [] : account.scopes
  if (flow.form?.['scopes_chosen'] === '1') {
    const chosen = chosenScopes(flow.form, choices)
    if (chosen === undefined)
      return answer(flow, 400, 'linked.scopesRefused', 'linked.scopesRefusedText')
    scopes = chosen
  }
  const { id: linkId } = await createPendingLink(store, {
    sub,
    clientId: undefined,
    provider: provider.id,
    scopes,
    ttlMs: config.ttlMs,
    now: config.now(),
  })
  config.audit({
    type: 'linking.relink_started',
    outcome: 'recorded',
    sub,
    provider: provider.id,
    credential_id: account.id,
    ...(scopes.length === 0 ? {} : { scope_requested: scopes.join(' ') }),
  })
  if (provider.kind === 'api_key') return flow.c.redirect(`/connect/${linkId}`, 303)
  const link = await findPendingLink(store, { idHash: hashLinkId(linkId) })
  if (link === undefined) return answer(flow, 404, 'connect.notFound', 'connect.notFoundText')
  flow.link = link
  return redirectToProvider(flow)
}

/** Step (`POST /connect/accounts/pending/open`): the user's pending request, at a new URL. */
export const openRequest: ConnectStep = async (flow) => {
  const idHash = flow.form?.['link']
  const id =
    typeof idHash === 'string' && LINK_HASH.test(idHash)
      ? await reopenLink(flow.linking.store, { idHash, sub: signedInSub(flow) })
      : undefined
  if (id === undefined) return answer(flow, 404, 'connect.notFound', 'connect.notFoundText')
  return flow.c.redirect(`/connect/${id}`, 303)
}

/** Step (`POST /connect/accounts/pending/cancel`): the user's pending request, cancelled. */
export const cancelRequest: ConnectStep = async (flow) => {
  const { store, config } = flow.linking
  const sub = signedInSub(flow)
  const idHash = flow.form?.['link']
  const link =
    typeof idHash === 'string' && LINK_HASH.test(idHash)
      ? await findPendingLink(store, { idHash })
      : undefined
  if (link?.sub !== sub || !(await cancelLink(store, { idHash: link.idHash, sub })))
    return answer(flow, 404, 'connect.notFound', 'connect.notFoundText')
  config.audit({
    type: 'linking.request_cancelled',
    outcome: 'recorded',
    sub,
    provider: link.provider,
    ...(link.clientId === undefined ? {} : { client_id: link.clientId }),
  })
  return flow.c.redirect(backTo(flow), 303)
}
