import { renderPage } from '@mandate/core'
import type { HtmlValue, PageUser } from '@mandate/core'

/**
 * The shell of every authorization-server page: the design system of `@mandate/core` (one
 * layout, the hashed stylesheet, no inline style or script). `title` is translated text.
 */
export function layout(
  title: string,
  body: HtmlValue,
  options: { user?: PageUser | undefined; wide?: boolean } = {},
): string {
  return renderPage({ title, body, user: options.user, narrow: options.wide !== true })
}
