import type { Configuration } from 'oidc-provider'
import type { Users } from '../users/users.ts'

type FindAccount = NonNullable<Configuration['findAccount']>

/**
 * oidc-provider's `findAccount`: a local user by `sub`, with the OpenID claims of the `profile`
 * and `email` scopes. A disabled user is unknown, so nothing more is issued for them.
 */
export function findAccount(users: Users): FindAccount {
  return async (_ctx, sub) => {
    const user = await users.get(sub)
    if (user === undefined || user.disabled) return undefined
    return {
      accountId: user.id,
      claims: () => ({
        sub: user.id,
        preferred_username: user.username,
        ...(user.displayName === null ? {} : { name: user.displayName }),
        ...(user.email === null ? {} : { email: user.email }),
      }),
    }
  }
}
