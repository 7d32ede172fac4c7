import { dataTable, hasString, html, relativeTime, t, text } from '@mandate/core'
import type { PageUser, SafeHtml, StringKey, TableColumn } from '@mandate/core'
import { layout } from './layout.ts'
import { mfaSection } from './account-pages.ts'
import { scopeLabel } from './scope-label.ts'
import type { ScopeView } from './scope-label.ts'
import type { ClientView } from './client-card.ts'
import type { LinkedAccountSummary, PendingApprovalSummary } from '../options.ts'
import { linkedSection, pendingSection } from './account-linking.ts'

/** What the account page (`/account`) shows of the signed-in user, gathered by its route. */
export interface AccountView {
  csrf: string
  user: PageUser & { username: string; displayName: string | null; email: string | null }
  mfa: boolean
  hasPassword: boolean
  signedIn: { at: number; methods: string[] }
  agents: {
    grantId: string
    client: ClientView
    scopes: ScopeView[]
    first?: number | undefined
    last?: number | undefined
  }[]
  /** Recent events of this user, or undefined when no audit trail is stored. */
  activity:
    { time: number; type: string; outcome: string; client?: string | undefined }[] | undefined
  sessions: { count: number }
  /** Linked third-party accounts, when the host passes them. */
  linked?: LinkedAccountSummary[] | undefined
  /** The user's unfinished requests to link an account, when the host passes them. */
  pending?: PendingApprovalSummary[] | undefined
  notice?: StringKey | undefined
  error?: StringKey | undefined
}

const METHOD: Readonly<Record<string, StringKey>> = {
  pwd: 'account.method.pwd',
  otp: 'account.method.otp',
  recovery: 'account.method.recovery',
  upstream: 'account.method.upstream',
}

function who(view: AccountView): SafeHtml {
  const methods = view.signedIn.methods.flatMap((m) => {
    const key = METHOD[m]
    return key === undefined ? [] : [t(key)]
  })
  return html`<h2>${t('account.who')}</h2>
    <p>${t('nav.signedInAs', { name: html`<strong>${view.user.username}</strong>` })}</p>
    <dl class="facts">
      <dt>${t('account.username')}</dt>
      <dd translate="no">${view.user.username}</dd>
      ${
        view.user.displayName === null
          ? ''
          : html`<dt>${t('account.displayName')}</dt>
              <dd translate="no">${view.user.displayName}</dd>`
      }
      ${
        view.user.email === null
          ? ''
          : html`<dt>${t('account.email')}</dt>
              <dd translate="no">${view.user.email}</dd>`
      }
      <dt>${t('account.signedInWith')}</dt>
      <dd data-testid="sign-in-method">
        ${methods.map((m, i) => html`${i > 0 ? ' + ' : ''}${m}`)}
      </dd>
      <dt>${t('account.signedInAt')}</dt>
      <dd>${relativeTime(view.signedIn.at)}</dd>
    </dl>`
}

function agents(view: AccountView): SafeHtml {
  if (view.agents.length === 0) return html`<p>${t('account.noAgents')}</p>`
  return html`<ul class="plain grants">
    ${view.agents.map(
      (a) =>
        html`<li class="card" data-testid="agent">
          <h3 translate="no">${a.client.name}</h3>
          <dl class="facts">
            <dt>${t('client.application')}</dt>
            <dd>
              <span translate="no">${a.client.host}</span>
              ${a.client.verified ? html`<span class="badge ok">${t('client.verified')}</span>` : html`<span class="badge warn">${t('client.unverified')}</span>`}
            </dd>
            <dt>${t('account.firstUse')}</dt>
            <dd>${relativeTime(a.first)}</dd>
            <dt>${t('account.lastUse')}</dt>
            <dd>${relativeTime(a.last)}</dd>
            <dt>${t('account.scopes')}</dt>
            <dd>
              ${
                a.scopes.length === 0
                  ? t('common.none')
                  : html`<ul class="plain">
                      ${a.scopes.map((s) => html`<li>${scopeLabel(s)}${s.description === undefined && !hasString(`scope.${s.name}`) ? '' : html` <code class="muted" translate="no">${s.name}</code>`}</li>`)}
                    </ul>`
              }
            </dd>
            <dt>${t('client.id')}</dt>
            <dd><code translate="no">${a.client.id}</code></dd>
          </dl>
          <form method="post" action="/account/grants/revoke">
            <input type="hidden" name="csrf" value="${view.csrf}" />
            <input type="hidden" name="grant" value="${a.grantId}" />
            <button
              type="submit"
              class="danger small"
              aria-label="${text('account.revokeLabel', { client: a.client.name === a.client.id ? a.client.id : `${a.client.name} (${a.client.id})` })}"
            >
              ${t('account.revoke')}
            </button>
          </form>
        </li>`,
    )}
  </ul>`
}

type Activity = NonNullable<AccountView['activity']>[number]

const ACTIVITY_COLUMNS: readonly TableColumn<Activity>[] = [
  { heading: 'activity.when', cell: (e) => relativeTime(e.time) },
  { heading: 'activity.what', cell: (e) => html`<code translate="no">${e.type}</code>` },
  { heading: 'activity.client', cell: (e) => e.client ?? '', data: true },
  { heading: 'activity.outcome', cell: (e) => e.outcome, data: true },
]

function activity(view: AccountView): SafeHtml {
  if (view.activity === undefined) return html`<p>${t('account.activityUnavailable')}</p>`
  if (view.activity.length === 0) return html`<p>${t('account.noActivity')}</p>`
  return dataTable({ testId: 'activity', columns: ACTIVITY_COLUMNS, rows: view.activity })
}

function security(view: AccountView): SafeHtml {
  const password = view.hasPassword
    ? html`<form method="post" action="/account/password">
        <input type="hidden" name="csrf" value="${view.csrf}" />
        <input
          type="hidden"
          name="username"
          autocomplete="username"
          value="${view.user.username}"
        />
        <label for="current-password">${t('account.currentPassword')}</label>
        <input
          id="current-password"
          name="current"
          type="password"
          autocomplete="current-password"
          required
        />
        <label for="new-password">${t('account.newPassword')}</label>
        <input
          id="new-password"
          name="password"
          type="password"
          autocomplete="new-password"
          minlength="8"
          required
        />
        <button type="submit">${t('account.changePassword')}</button>
      </form>`
    : html`<p>${t('account.noPassword')}</p>`
  return html`<h2>${t('account.security')}</h2>
    <h3>${t('account.password')}</h3>
    ${password}
    <h3>${t('account.mfa')}</h3>
    <p data-testid="mfa-status">${view.mfa ? t('account.mfaOn') : t('account.mfaOff')}</p>
    ${mfaSection({ csrf: view.csrf, enabled: view.mfa })}
    <h3>${t('account.sessions')}</h3>
    <p data-testid="sessions">${t('account.sessionsCount', { n: view.sessions.count })}</p>
    <form method="post" action="/account/sessions/end">
      <input type="hidden" name="csrf" value="${view.csrf}" />
      <button type="submit" class="secondary">${t('account.signOutEverywhere')}</button>
    </form>`
}

/** `/account`: who you are, connected agents, linked accounts, activity, security. */
export function accountPage(view: AccountView): string {
  return layout(
    text('account.title'),
    html`<h1>${t('account.title')}</h1>
      ${view.notice === undefined ? '' : html`<p class="notice" role="status">${t(view.notice)}</p>`}
      ${view.error === undefined ? '' : html`<div class="error" role="alert">${t(view.error)}</div>`}
      ${who(view)}
      <h2>${t('account.agents')}</h2>
      ${agents(view)}
      <h2>${t('account.linked')}</h2>
      <p>${t('account.linkedExplain')}</p>
      ${linkedSection(view.linked)}
      <p><a href="/connect/accounts">${t('account.manageLinked')}</a></p>
      ${pendingSection(view.pending)}
      <h2>${t('account.activity')}</h2>
      ${activity(view)} ${security(view)}`,
    { user: view.user, wide: true },
  )
}
