import { dataTable, html, relativeTime, t, text } from '@mandate/core'
import type { SafeHtml, TableColumn } from '@mandate/core'
import type { UserSummary } from '../../users/users.ts'
import { actionForm } from './action-form.ts'

/** A user as the console lists it: the account and its roles. */
export type AdminUser = UserSummary & { roles: string[] }

const createForm = (csrf: string): SafeHtml =>
  html`<form method="post" action="/admin/users/create">
    <input type="hidden" name="csrf" value="${csrf}" />
    <label for="new-username">${t('admin.username')}</label>
    <input id="new-username" name="username" type="text" autocomplete="off" required />
    <label for="new-password">${t('admin.password')}</label>
    <input
      id="new-password"
      name="password"
      type="password"
      autocomplete="new-password"
      minlength="8"
      required
    />
    <button type="submit">${t('admin.createUser')}</button>
  </form>`

/** Enable or disable, and reset the second factor; never for the operator themselves. */
function userActions(csrf: string, u: AdminUser, self: string): SafeHtml {
  // An operator cannot disable or reset themselves here (no lock-out).
  if (u.username === self) return html``
  const field = { username: u.username }
  return html`${
    u.disabled
      ? actionForm(
          '/admin/users/enable',
          csrf,
          field,
          'admin.enable',
          text('admin.enableUser', { name: u.username }),
        )
      : actionForm(
          '/admin/users/disable',
          csrf,
          field,
          'admin.disable',
          text('admin.disableUser', { name: u.username }),
          true,
        )
  }
  ${
    u.mfa
      ? actionForm(
          '/admin/users/reset-mfa',
          csrf,
          field,
          'admin.resetMfa',
          text('admin.resetMfaUser', { name: u.username }),
          true,
        )
      : ''
  }`
}

/** `/admin/users`: the create-user form and every user, with their actions. */
export function usersSection(csrf: string, users: AdminUser[], self: string): SafeHtml {
  const columns: readonly TableColumn<AdminUser>[] = [
    { heading: 'admin.username', cell: (u) => u.username, data: true },
    {
      heading: 'admin.status',
      cell: (u) => (u.disabled ? t('admin.disabled') : t('admin.active')),
    },
    { heading: 'account.mfa', cell: (u) => (u.mfa ? t('common.yes') : t('common.no')) },
    { heading: 'admin.roles', cell: (u) => u.roles.join(', '), data: true },
    { heading: 'admin.created', cell: (u) => relativeTime(u.createdAt.getTime()) },
    { heading: 'admin.actions', cell: (u) => userActions(csrf, u, self) },
  ]
  return html`${createForm(csrf)} ${dataTable({ testId: 'users', columns, rows: users })}`
}
