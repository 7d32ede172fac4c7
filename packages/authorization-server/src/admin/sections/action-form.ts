import { html, t } from '@mandate/core'
import type { SafeHtml, StringKey } from '@mandate/core'

/** A one-button form posting `fields` with the fresh CSRF token (every console action). */
export function actionForm(
  action: string,
  csrf: string,
  fields: Readonly<Record<string, string>>,
  label: StringKey,
  ariaLabel: string,
  danger = false,
): SafeHtml {
  return html`<form class="inline" method="post" action="${action}">
    <input type="hidden" name="csrf" value="${csrf}" />
    ${Object.entries(fields).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}" />`)}
    <button
      type="submit"
      class="small ${danger ? 'danger' : 'secondary'}"
      aria-label="${ariaLabel}"
    >
      ${t(label)}
    </button>
  </form>`
}

/** A search field of a console filter form (`GET`, so a filtered list can be linked). */
export function filterField(
  id: string,
  name: string,
  label: StringKey,
  value: string | undefined,
): SafeHtml {
  return html`<div>
    <label for="${id}">${t(label)}</label
    ><input id="${id}" name="${name}" type="search" value="${value ?? ''}" />
  </div>`
}
