import { html, t, text } from '@mandate/core'
import type { PageUser, SafeHtml } from '@mandate/core'
import { layout } from './layout.ts'

/** Asks for the password again before a sensitive change on the account page. */
export function reauthPage(input: {
  csrf: string
  username: string
  error?: 'reauth.wrong' | 'login.locked'
  user?: PageUser
}): string {
  return layout(
    text('reauth.title'),
    html`<h1>${t('reauth.title')}</h1>
      <p>${t('reauth.explain')}</p>
      ${input.error === undefined ? '' : html`<div class="error" role="alert">${t(input.error)}</div>`}
      <form method="post" action="/account/reauth">
        <input type="hidden" name="csrf" value="${input.csrf}" />
        <input type="hidden" name="username" autocomplete="username" value="${input.username}" />
        <label for="password">${t('login.password')}</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          autofocus
        />
        <button type="submit">${t('reauth.submit')}</button>
      </form>`,
    { user: input.user },
  )
}

/** The second-factor section of the account page: enrol, or regenerate codes / turn off. */
export function mfaSection(input: { csrf: string; enabled: boolean }): SafeHtml {
  if (!input.enabled) {
    return html`<form method="post" action="/account/mfa/enrol">
      <input type="hidden" name="csrf" value="${input.csrf}" />
      <button type="submit">${t('account.mfaSetUp')}</button>
    </form>`
  }
  return html`<form method="post" action="/account/mfa/recovery">
      <input type="hidden" name="csrf" value="${input.csrf}" />
      <label for="recovery-code">${t('account.mfaCode')}</label>
      <input
        id="recovery-code"
        name="code"
        type="text"
        inputmode="numeric"
        autocomplete="one-time-code"
        required
      />
      <button type="submit">${t('account.mfaRegenerate')}</button>
    </form>
    <form method="post" action="/account/mfa/disable">
      <input type="hidden" name="csrf" value="${input.csrf}" />
      <label for="disable-code">${t('account.mfaCodeOrRecovery')}</label>
      <input id="disable-code" name="code" type="text" autocomplete="one-time-code" required />
      <button type="submit" class="danger">${t('account.mfaDisable')}</button>
    </form>`
}

/** Confirms sign-out (a link in every page's header leads here; the POST needs CSRF). */
export function signOutPage(input: {
  csrf: string | undefined
  user?: PageUser
  notice?: 'account.passwordChanged'
}): string {
  return layout(
    text('signOut.title'),
    input.csrf === undefined
      ? html`<h1>${t('signOut.title')}</h1>
          <p class="notice" role="status">${t(input.notice ?? 'signOut.done')}</p>
          <p><a href="/account">${t('signOut.signIn')}</a></p>`
      : html`<h1>${t('signOut.title')}</h1>
          <p>${t('signOut.explain')}</p>
          <form method="post" action="/account/sign-out">
            <input type="hidden" name="csrf" value="${input.csrf}" />
            <button type="submit" autofocus>${t('signOut.submit')}</button>
          </form>
          <p><a href="/account">${t('common.cancel')}</a></p>`,
    { user: input.user },
  )
}
