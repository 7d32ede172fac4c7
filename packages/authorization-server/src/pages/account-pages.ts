import { html } from 'hono/html'
import { layout } from './layout.ts'

/** Asks for the password again before a sensitive change on the account page. */
export function reauthPage(input: { csrf: string; username: string; error?: string }): string {
  return layout(
    'Confirm it is you',
    html`<h1>Confirm it is you</h1>
      <p>Your sign-in is more than ten minutes old. Enter your password to continue.</p>
      ${input.error === undefined ? '' : html`<div class="error" role="alert">${input.error}</div>`}
      <form method="post" action="/account/reauth">
        <input type="hidden" name="csrf" value="${input.csrf}" />
        <input type="hidden" name="username" autocomplete="username" value="${input.username}" />
        <label for="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          autofocus
        />
        <button type="submit">Continue</button>
      </form>`,
  )
}

/** The second-factor section of the account page: enrol, or regenerate codes / turn off. */
export function mfaSection(input: { csrf: string; enabled: boolean }): ReturnType<typeof html> {
  if (!input.enabled) {
    return html`<form method="post" action="/account/mfa/enrol">
      <input type="hidden" name="csrf" value="${input.csrf}" />
      <button type="submit">Set up an authenticator app</button>
    </form>`
  }
  return html`<form method="post" action="/account/mfa/recovery">
      <input type="hidden" name="csrf" value="${input.csrf}" />
      <label for="recovery-code">Code from your authenticator app</label>
      <input
        id="recovery-code"
        name="code"
        type="text"
        inputmode="numeric"
        autocomplete="one-time-code"
        required
      />
      <button type="submit">Generate new recovery codes</button>
    </form>
    <form method="post" action="/account/mfa/disable">
      <input type="hidden" name="csrf" value="${input.csrf}" />
      <label for="disable-code">Code from your authenticator app, or a recovery code</label>
      <input id="disable-code" name="code" type="text" autocomplete="one-time-code" required />
      <button type="submit">Turn off the second factor</button>
    </form>`
}
