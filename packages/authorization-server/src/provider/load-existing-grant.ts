import type { Configuration, Grant, KoaContextWithOIDC } from 'oidc-provider'
import type { Store } from '@mandate/store'
import { rememberedGrantId } from '../grants/grant-summaries.ts'
import { ACCOUNT_CLIENT_ID } from './account-client.ts'
import { askAgainForRejectedScopes } from './ask-again.ts'

type LoadExistingGrant = NonNullable<Configuration['loadExistingGrant']>
type Oidc = KoaContextWithOIDC['oidc']

/**
 * oidc-provider's `loadExistingGrant`: consent is remembered per user and client across browser
 * sessions (oidc-provider's default is per session), so a returning user is asked only for what
 * the grant lacks. Looked up in order: the grant the person has just decided on (taken as it
 * is), the session's grant, the remembered one; our own sign-in client's consent is implicit.
 */
export function loadExistingGrant(store: Store): LoadExistingGrant {
  return async (ctx) => {
    const { oidc } = ctx
    const clientId = oidc.client?.clientId
    const accountId = oidc.account?.accountId
    if (clientId === undefined || accountId === undefined) return undefined
    const decided = await findGrant(oidc, oidc.result?.consent?.grantId)
    if (decided !== undefined) return decided
    const fromSession = await findGrant(oidc, oidc.session?.grantIdFor(clientId))
    if (fromSession !== undefined) return askAgainForRejectedScopes(fromSession, oidc)
    const remembered = await findGrant(oidc, await rememberedGrantId(store, accountId, clientId))
    // A remembered grant is honoured only for the same person and client.
    if (remembered?.accountId === accountId && remembered.clientId === clientId) {
      return askAgainForRejectedScopes(remembered, oidc)
    }
    return clientId === ACCOUNT_CLIENT_ID ? await signInClientGrant(oidc, accountId) : undefined
  }
}

async function findGrant(oidc: Oidc, grantId: string | undefined): Promise<Grant | undefined> {
  return grantId === undefined ? undefined : await oidc.provider.Grant.find(grantId)
}

/** Our own sign-in client (first party, `openid` only): consent is implicit. */
async function signInClientGrant(oidc: Oidc, accountId: string): Promise<Grant> {
  const grant = new oidc.provider.Grant({ accountId, clientId: ACCOUNT_CLIENT_ID })
  grant.addOIDCScope('openid')
  await grant.save()
  return grant
}
