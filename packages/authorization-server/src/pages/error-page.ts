import { html } from 'hono/html'
import { layout } from './layout.ts'

/** The error page (rendered by oidc-provider's `renderError` and by our routes). */
export function renderErrorPage(error: string, description: string | undefined): string {
  return layout(
    'Error',
    html`<h1>Something went wrong</h1>
      <div class="error" role="alert">
        <p><strong>${error}</strong></p>
        ${description === undefined ? '' : html`<p>${description}</p>`}
      </div>
      <p>You can close this window and try again from the application.</p>`,
  )
}
