import { ACR_PASSWORD } from '../provider/acr.ts'
import { accountBinding, markReauthenticated } from '../sessions/account-session.ts'
import { csrfToken } from '../sessions/step-token.ts'
import { reauthPage } from '../pages/account-pages.ts'
import type { AccountContext, AccountStep } from './account-env.ts'
import { pageUserOf, secureCookies } from './account-steps.ts'

/** The password form of `/account/reauth`, with an error after a wrong password. */
async function reauthView(
  c: AccountContext,
  error?: 'reauth.wrong' | 'login.locked',
): Promise<string> {
  const { deps, session: s } = c.var
  const user = await deps.users.get(s.accountId)
  return reauthPage({
    csrf: csrfToken(deps.secret, accountBinding(s)),
    username: user?.username ?? '',
    ...(error === undefined ? {} : { error }),
    user: await pageUserOf(deps, s.accountId),
  })
}

/** `GET /account/reauth`: asks for the password again before a sensitive change. */
export const showReauth: AccountStep = async (c) => c.html(await reauthView(c))

/**
 * `POST /account/reauth`: the password of the signed-in user (lockout applies) marks this
 * session as recently authenticated for ten minutes.
 */
export const checkReauth: AccountStep = async (c) => {
  const { deps, session: s, form } = c.var
  const user = await deps.users.get(s.accountId)
  const result = await deps.users.verifyLogin(user?.username ?? '', form['password'] ?? '')
  if (!result.ok || result.user.id !== s.accountId) {
    const reason = result.ok ? 'invalid' : result.reason
    deps.emit({ type: 'login.failed', username: (user?.username ?? '').slice(0, 200), reason })
    return c.html(await reauthView(c, reason === 'locked' ? 'login.locked' : 'reauth.wrong'), 401)
  }
  deps.emit({ type: 'login.succeeded', sub: s.accountId, amr: ['pwd'], acr: ACR_PASSWORD })
  markReauthenticated(c, deps.secret, s, secureCookies(deps))
  return c.redirect('/account', 303)
}
