import { html, raw, t, text } from '@mandate/core'
import type { PageUser, SafeHtml, StringKey } from '@mandate/core'
import { layout } from './layout.ts'

const alert = (error: StringKey | undefined): SafeHtml | string =>
  error === undefined ? '' : html`<div class="error" role="alert">${t(error)}</div>`

/** The sign-in form of an interaction, with the upstream provider's button when configured. */
export function loginPage(input: {
  action: string
  csrf: string
  error?: StringKey
  upstream?: { name: string; action: string }
  stepUp: boolean
}): string {
  return layout(
    text('login.title'),
    html`<h1>${t('login.title')}</h1>
      ${input.stepUp ? html`<p class="warning">${t('login.stepUp')}</p>` : ''} ${alert(input.error)}
      <form method="post" action="${input.action}">
        <input type="hidden" name="csrf" value="${input.csrf}" />
        <label for="username">${t('login.username')}</label>
        <input
          id="username"
          name="username"
          type="text"
          autocomplete="username"
          required
          autofocus
        />
        <label for="password">${t('login.password')}</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
        />
        <button type="submit">${t('login.submit')}</button>
      </form>
      ${
        input.upstream === undefined
          ? ''
          : html`<form method="post" action="${input.upstream.action}">
              <input type="hidden" name="csrf" value="${input.csrf}" />
              <button type="submit" class="secondary">
                ${t('login.upstream', { name: input.upstream.name })}
              </button>
            </form>`
      }`,
  )
}

/** Asks for the authenticator code (or a recovery code) after the password. */
export function totpPage(input: {
  action: string
  csrf: string
  step: string
  error?: StringKey
}): string {
  return layout(
    text('totp.title'),
    html`<h1>${t('totp.heading')}</h1>
      ${alert(input.error)}
      <form method="post" action="${input.action}">
        <input type="hidden" name="csrf" value="${input.csrf}" />
        <input type="hidden" name="step" value="${input.step}" />
        <label for="code">${t('totp.codeLabel')}</label>
        <input
          id="code"
          name="code"
          type="text"
          inputmode="numeric"
          autocomplete="one-time-code"
          required
          autofocus
        />
        <button type="submit">${t('totp.submit')}</button>
      </form>`,
  )
}

/** Sets up an authenticator app: QR code, the secret key and link, and the first code. */
export function enrolPage(input: {
  action: string
  csrf: string
  step: string
  secret: string
  otpauth: string
  /** The otpauth URI as inline SVG markup from `qrCodeSvg` (trusted: generated, not input). */
  qrSvg: string
  error?: StringKey
  /** Where "cancel" leads (the account page); absent during a sign-in. */
  cancel?: string
  user?: PageUser
}): string {
  return layout(
    text('enrol.title'),
    html`<h1>${t('enrol.title')}</h1>
      <p>${t('enrol.scan')}</p>
      ${alert(input.error)}
      <figure class="qr" data-testid="totp-qr">${raw(input.qrSvg)}</figure>
      <p>${t('enrol.cannotScan')}</p>
      <p><code class="host" translate="no" data-testid="totp-secret">${input.secret}</code></p>
      <p>${t('enrol.orLink')} <a href="${input.otpauth}">${t('enrol.link')}</a></p>
      <form method="post" action="${input.action}">
        <input type="hidden" name="csrf" value="${input.csrf}" />
        <input type="hidden" name="step" value="${input.step}" />
        <label for="code">${t('enrol.codeLabel')}</label>
        <input
          id="code"
          name="code"
          type="text"
          inputmode="numeric"
          autocomplete="one-time-code"
          required
          autofocus
        />
        <button type="submit">${t('enrol.submit')}</button>
      </form>
      ${input.cancel === undefined ? '' : html`<p><a href="${input.cancel}">${t('common.cancel')}</a></p>`}`,
    { user: input.user },
  )
}

/** Shows new recovery codes, the only time they are shown; the form continues past them. */
export function recoveryCodesPage(input: {
  action: string
  csrf: string
  step: string
  codes: string[]
  user?: PageUser
}): string {
  return layout(
    text('recovery.title'),
    html`<h1>${t('recovery.heading')}</h1>
      <p>${t('recovery.explain')}</p>
      <ul data-testid="recovery-codes" translate="no">
        ${input.codes.map((code) => html`<li><code>${code}</code></li>`)}
      </ul>
      <form method="post" action="${input.action}">
        <input type="hidden" name="csrf" value="${input.csrf}" />
        <input type="hidden" name="step" value="${input.step}" />
        <button type="submit" autofocus>${t('recovery.continue')}</button>
      </form>`,
    { user: input.user },
  )
}
