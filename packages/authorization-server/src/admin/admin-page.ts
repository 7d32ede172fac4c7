import { html, t, text } from '@mandate/core'
import type { HtmlValue, PageUser, StringKey } from '@mandate/core'
import { layout } from '../pages/layout.ts'

/** A section of the operator console (`/admin/<section>`). */
export type AdminSection = 'users' | 'clients' | 'grants' | 'providers' | 'audit' | 'health'

const SECTIONS: readonly [AdminSection, StringKey][] = [
  ['users', 'admin.users'],
  ['clients', 'admin.clients'],
  ['grants', 'admin.grants'],
  ['providers', 'admin.providers'],
  ['audit', 'admin.audit'],
  ['health', 'admin.health'],
]

/** The console shell: section links (the current one marked), the section's own `<h1>`. */
export function adminPage(
  section: AdminSection,
  user: PageUser,
  body: HtmlValue,
  notice?: boolean,
): string {
  const title = SECTIONS.find(([s]) => s === section)?.[1] ?? 'admin.title'
  return layout(
    `${text(title)} · ${text('admin.title')}`,
    html`<nav aria-label="${text('admin.sections')}">
        <ul class="plain actions">
          ${SECTIONS.map(
            ([s, key]) =>
              html`<li>
                <a href="/admin/${s}" ${s === section ? html`aria-current="page"` : ''}
                  >${t(key)}</a
                >
              </li>`,
          )}
        </ul>
      </nav>
      <h1>${t(title)}</h1>
      ${notice === true ? html`<p class="notice" role="status">${t('admin.done')}</p>` : ''} ${body}`,
    { user, wide: true },
  )
}
