import { html } from './safe-html.ts'
import type { HtmlValue } from './safe-html.ts'
import { PAGE_SCRIPT_PATH, STYLESHEET_PATH } from './stylesheet.ts'
import { t, text } from './strings.ts'

/** Who is signed in, for the header (every signed-in page has a sign-out link). */
export interface PageUser {
  name: string
  /** Shows the operator console link. */
  operator?: boolean
}

/** What {@link renderPage} puts in the one page shell. */
export interface PageOptions {
  /** The document title (already translated text; "· Mandate" is appended). */
  title: string
  body: HtmlValue
  user?: PageUser | undefined
  /** A narrow column (sign-in, consent, messages). */
  narrow?: boolean
}

/** Paths of the pages every package links to (the authorization server owns the account). */
export const PAGE_LINKS = {
  home: '/',
  account: '/account',
  linkedAccounts: '/connect/accounts',
  admin: '/admin',
  signOut: '/account/sign-out',
} as const

function header(user: PageUser | undefined) {
  const nav =
    user === undefined
      ? ''
      : html`<nav aria-label="${text('nav.label')}">
            <ul>
              <li><a href="${PAGE_LINKS.account}">${t('nav.account')}</a></li>
              <li><a href="${PAGE_LINKS.linkedAccounts}">${t('nav.linkedAccounts')}</a></li>
              ${
                user.operator === true
                  ? html`<li><a href="${PAGE_LINKS.admin}">${t('nav.admin')}</a></li>`
                  : ''
              }
              <li><a href="${PAGE_LINKS.signOut}">${t('nav.signOut')}</a></li>
            </ul>
          </nav>
          ${
            user.name === ''
              ? ''
              : html`<span class="who" data-testid="signed-in-as"
                  >${t('nav.signedInAs', { name: user.name })}</span
                >`
          }`
  return html`<header class="top">
    <div class="bar">
      <a class="brand" href="${PAGE_LINKS.home}">${t('brand')}</a>
      ${nav}
    </div>
  </header>`
}

/**
 * The one page shell: the hashed stylesheet and script from our origin (no inline style or
 * script, so the CSP can forbid both), a skip link, the header with sign-out, one `<main>`.
 */
export function renderPage(options: PageOptions): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <meta name="color-scheme" content="light dark" />
        <title>${options.title} · ${text('brand')}</title>
        <link rel="stylesheet" href="${STYLESHEET_PATH}" />
        <script src="${PAGE_SCRIPT_PATH}" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">${t('nav.skip')}</a>
        ${header(options.user)}
        <main id="main" class="${options.narrow === true ? 'narrow' : ''}">${options.body}</main>
      </body>
    </html>`.toString()
}
