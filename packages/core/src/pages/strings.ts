import { escapeHtml, html, raw } from './safe-html.ts'
import type { HtmlValue, SafeHtml } from './safe-html.ts'
import { ACCOUNT_STRINGS } from './strings/account-strings.ts'
import { ADMIN_STRINGS } from './strings/admin-strings.ts'
import { APPROVAL_STRINGS } from './strings/approval-strings.ts'
import { CONNECT_STRINGS } from './strings/connect-strings.ts'
import { ERROR_STRINGS } from './strings/error-strings.ts'
import { HOME_STRINGS } from './strings/home-strings.ts'
import { SHELL_STRINGS } from './strings/shell-strings.ts'
import { SIGN_IN_STRINGS } from './strings/sign-in-strings.ts'

/**
 * Every English text a page shows, by key (docs/pages.md). Pages render text only through
 * `t`/`text`, so a translation is one more table; a browser test fails on a page that shows
 * English not in this table. `{name}` marks a value filled in at render time (shown as data,
 * marked `translate="no"`). One table per page area (`strings/`), joined in this order.
 */
export const STRINGS = {
  ...SHELL_STRINGS,
  ...SIGN_IN_STRINGS,
  ...ERROR_STRINGS,
  ...ACCOUNT_STRINGS,
  ...CONNECT_STRINGS,
  ...HOME_STRINGS,
  ...ADMIN_STRINGS,
  ...APPROVAL_STRINGS,
} as const

/** A key of the strings table: pages name their texts by key, never by English text. */
export type StringKey = keyof typeof STRINGS

/** Whether `key` is in the table (for keys built at run time, e.g. `scope.<name>`). */
export function hasString(key: string): key is StringKey {
  return Object.hasOwn(STRINGS, key)
}

/** The text with `{name}` placeholders filled in, as escaped markup; values marked as data. */
export function t(key: StringKey, params: Readonly<Record<string, HtmlValue>> = {}): SafeHtml {
  const template = escapeHtml(STRINGS[key])
  return raw(
    template.replace(/\{(\w+)\}/g, (whole, name: string) =>
      Object.hasOwn(params, name)
        ? html`<span translate="no">${params[name]}</span>`.toString()
        : whole,
    ),
  )
}

/** The text as plain text (for attributes and titles), placeholders filled in. */
export function text(
  key: StringKey,
  params: Readonly<Record<string, string | number>> = {},
): string {
  return STRINGS[key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  )
}

const BY_TEXT = new Map<string, StringKey>(
  Object.entries(STRINGS).map(([key, value]) => [value, key as StringKey]),
)

/**
 * A description that may be a key, an English text of the table, or protocol text from
 * elsewhere (oidc-provider's `error_description`): the latter is shown as data.
 */
export function translatedOrRaw(value: string): SafeHtml {
  if (hasString(value)) return t(value)
  const key = BY_TEXT.get(value)
  return key === undefined ? html`<span translate="no">${value}</span>` : t(key)
}

/**
 * The pieces of text a page may show outside `translate="no"` elements: every entry split at
 * its placeholders, trimmed (docs/pages.md; used by the pages' strings test).
 */
export function stringFragments(): Set<string> {
  const out = new Set<string>()
  for (const value of Object.values(STRINGS)) {
    for (const part of value.split(/\{\w+\}/)) {
      const trimmed = part.replace(/\s+/g, ' ').trim()
      if (trimmed !== '') out.add(trimmed)
    }
  }
  return out
}
