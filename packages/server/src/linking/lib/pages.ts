import { html, renderPage, t, text } from '@mandate/core'
import type { HtmlValue, PageUser, StringKey } from '@mandate/core'

/**
 * A connect / linked-accounts page in the one design system of `@mandate/core` (the hashed
 * stylesheet, no inline style or script). Signed-in pages get the shared header: links to the
 * account page and linked accounts, and sign-out.
 */
export function page(title: string, body: HtmlValue, user?: PageUser): string {
  return renderPage({ title, body, user, narrow: true })
}

/** A page with a heading and one paragraph, both from the strings table. */
export function messagePage(
  title: StringKey,
  message: StringKey,
  params: Readonly<Record<string, string>> = {},
  user?: PageUser,
): string {
  return page(
    text(title, params),
    html`<h1>${t(title, params)}</h1>
      <p>${t(message, params)}</p>`,
    user,
  )
}

/** The header of a signed-in connect page (the user's name is the authorization server's). */
export const SIGNED_IN: PageUser = { name: '' }
