import { html, raw } from 'hono/html'
import { layout } from './layout.ts'

export function loginPage(input: {
  action: string
  csrf: string
  error?: string
  upstream?: { name: string; action: string }
  stepUp: boolean
}): string {
  return layout(
    'Sign in',
    html`<h1>Sign in</h1>
      ${input.stepUp ? html`<p class="warning">This application asks for a stronger sign-in (second factor).</p>` : ''}
      ${input.error === undefined ? '' : html`<div class="error" role="alert">${input.error}</div>`}
      <form method="post" action="${input.action}">
        <input type="hidden" name="csrf" value="${input.csrf}" />
        <label for="username">Username</label>
        <input
          id="username"
          name="username"
          type="text"
          autocomplete="username"
          required
          autofocus
        />
        <label for="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
        />
        <button type="submit">Sign in</button>
      </form>
      ${
        input.upstream === undefined
          ? ''
          : html`<form method="post" action="${input.upstream.action}">
              <input type="hidden" name="csrf" value="${input.csrf}" />
              <button type="submit">Sign in with ${input.upstream.name}</button>
            </form>`
      }`,
  )
}

export function totpPage(input: {
  action: string
  csrf: string
  step: string
  error?: string
}): string {
  return layout(
    'Second factor',
    html`<h1>Enter your code</h1>
      ${input.error === undefined ? '' : html`<div class="error" role="alert">${input.error}</div>`}
      <form method="post" action="${input.action}">
        <input type="hidden" name="csrf" value="${input.csrf}" />
        <input type="hidden" name="step" value="${input.step}" />
        <label for="code">6-digit code from your authenticator app, or a recovery code</label>
        <input
          id="code"
          name="code"
          type="text"
          inputmode="numeric"
          autocomplete="one-time-code"
          required
          autofocus
        />
        <button type="submit">Verify</button>
      </form>`,
  )
}

export function enrolPage(input: {
  action: string
  csrf: string
  step: string
  secret: string
  otpauth: string
  /** The otpauth URI as inline SVG markup from `qrCodeSvg` (trusted: generated, not input). */
  qrSvg: string
  error?: string
}): string {
  return layout(
    'Set up a second factor',
    html`<h1>Set up a second factor</h1>
      <p>Scan this code with your authenticator app, then enter the code it shows.</p>
      ${input.error === undefined ? '' : html`<div class="error" role="alert">${input.error}</div>`}
      <figure class="qr" data-testid="totp-qr">${raw(input.qrSvg)}</figure>
      <p>Cannot scan it? Enter this secret key in the app instead:</p>
      <p><code class="host" data-testid="totp-secret">${input.secret}</code></p>
      <p>
        Or open this link on the device with the app: <a href="${input.otpauth}">otpauth link</a>
      </p>
      <form method="post" action="${input.action}">
        <input type="hidden" name="csrf" value="${input.csrf}" />
        <input type="hidden" name="step" value="${input.step}" />
        <label for="code">6-digit code</label>
        <input
          id="code"
          name="code"
          type="text"
          inputmode="numeric"
          autocomplete="one-time-code"
          required
          autofocus
        />
        <button type="submit">Confirm</button>
      </form>`,
  )
}

export function recoveryCodesPage(input: {
  action: string
  csrf: string
  step: string
  codes: string[]
}): string {
  return layout(
    'Recovery codes',
    html`<h1>Save your recovery codes</h1>
      <p>Each code works once if you lose your authenticator. They are shown only now.</p>
      <ul data-testid="recovery-codes">
        ${input.codes.map((code) => html`<li><code>${code}</code></li>`)}
      </ul>
      <form method="post" action="${input.action}">
        <input type="hidden" name="csrf" value="${input.csrf}" />
        <input type="hidden" name="step" value="${input.step}" />
        <button type="submit" autofocus>I saved them, continue</button>
      </form>`,
  )
}
