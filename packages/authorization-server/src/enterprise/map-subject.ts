import { errors } from 'oidc-provider'
import { findUserIds } from '@mandate/store'
import type { Store } from '@mandate/store'
import type { Users, UserSummary } from '../users/users.ts'
import type { TrustedEnterpriseIdp } from './enterprise-options.ts'

/**
 * The local user an ID-JAG's subject stands for, per the IdP's `subject` rule: by e-mail (an
 * existing user with exactly that address), by a link made earlier (`sub`), or linked and
 * created on first use (`jit`). A disabled or unknown user gets `invalid_grant`.
 */
export async function localUserFor(
  idp: TrustedEnterpriseIdp,
  claims: { sub: string; email?: unknown; name?: unknown },
  users: Users,
  store: Store,
): Promise<UserSummary> {
  let user: UserSummary | undefined
  if (idp.subject === 'email') {
    if (typeof claims.email !== 'string' || claims.email === '') {
      throw new errors.InvalidGrant('assertion carries no email')
    }
    const ids = await findUserIds(store, { email: claims.email }, 2)
    // An address shared by two accounts names nobody.
    user = ids.length === 1 && ids[0] !== undefined ? await users.get(ids[0]) : undefined
  } else if (idp.subject === 'sub') {
    const [id] = await findUserIds(
      store,
      { upstreamIssuer: idp.issuer, upstreamSubject: claims.sub },
      1,
    )
    user = id === undefined ? undefined : await users.get(id)
  } else {
    user = await users.linkUpstream(idp.issuer, claims.sub, {
      ...(typeof claims.email === 'string' ? { email: claims.email } : {}),
      ...(typeof claims.name === 'string' ? { name: claims.name } : {}),
    })
  }
  if (user === undefined) throw new errors.InvalidGrant('no local user for this subject')
  if (user.disabled) throw new errors.InvalidGrant('user is disabled')
  return user
}
