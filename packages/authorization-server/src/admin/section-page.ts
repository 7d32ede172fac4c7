import type { HtmlValue } from '@mandate/core'
import { adminPage } from './admin-page.ts'
import type { AdminSection } from './admin-page.ts'
import type { AdminContext } from './admin-env.ts'

/** Answers with a console section (never cached: it holds fresh CSRF tokens). */
export function sectionPage(c: AdminContext, section: AdminSection, body: HtmlValue): Response {
  c.header('Cache-Control', 'no-store')
  return c.html(adminPage(section, c.var.operator.user, body, c.req.query('done') !== undefined))
}

/** A filter value from the query: trimmed, absent when empty. */
export const queryFilter = (c: AdminContext, name: string): string | undefined => {
  const value = c.req.query(name)
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}
