import type { Users } from '../users/users.ts'
import type { AdminAction } from './admin-actions.ts'
import { formField } from './admin-actions.ts'
import { consoleActor } from './admin-action-audit.ts'

type UserChangeEvent = 'user.disabled' | 'user.enabled' | 'user.mfa_reset'

/**
 * A change to an existing account, audited as its `user.*` event with the operator (as
 * `mandate users …` is with `actor: cli`). Disabling and resetting the second factor end the
 * user's grants, sessions and tokens through `Users` (revocation event `subject`).
 */
function userChange(
  path: string,
  type: UserChangeEvent,
  change: (users: Users, username: string) => Promise<void>,
  notSelf: boolean,
): AdminAction {
  return {
    path,
    section: 'users',
    run: async (deps, form, op) => {
      const user = await deps.users.findByUsername(formField(form['username']))
      // An operator cannot lock themselves out of the console.
      if (user === undefined || (notSelf && user.id === op.user.id)) return 'not_found'
      await change(deps.users, user.username)
      deps.emit({ type, ...consoleActor(op), user_id: user.id, username: user.username })
      return 'done'
    },
  }
}

/** The users section's actions. */
export const USER_ACTIONS: readonly AdminAction[] = [
  {
    path: '/users/create',
    section: 'users',
    run: async (deps, form, op) => {
      const password = typeof form['password'] === 'string' ? form['password'] : ''
      const user = await deps.users.add({ username: formField(form['username']), password })
      deps.emit({
        type: 'user.added',
        ...consoleActor(op),
        user_id: user.id,
        username: user.username,
      })
      return 'done'
    },
  },
  userChange('/users/disable', 'user.disabled', (u, name) => u.setDisabled(name, true), true),
  userChange('/users/enable', 'user.enabled', (u, name) => u.setDisabled(name, false), false),
  userChange('/users/reset-mfa', 'user.mfa_reset', (u, name) => u.resetMfa(name), true),
]
