import { createHmac, timingSafeEqual } from 'node:crypto'
import { html, renderPage, t, text } from '@mandate/core'
import type { PageUser, StringKey } from '@mandate/core'
import type { GatewayApprovalRow } from '@mandate/store'
import { SHOWN_ARGUMENTS_MAX } from './require-approval.ts'

/** The header of a signed-in page (the user's name is the authorization server's). */
const SIGNED_IN: PageUser = { name: '' }

/** A page with a heading and one paragraph, both from the strings table. */
export function approvalMessage(title: StringKey, message: StringKey): string {
  return renderPage({
    title: text(title),
    body: html`<h1>${t(title)}</h1>
      <p>${t(message)}</p>`,
    user: SIGNED_IN,
    narrow: true,
  })
}

/**
 * The approval page: which application asks, the upstream, the tool and the exact arguments
 * (escaped, bounded; the page says when they are longer than shown), and one form (CSRF token
 * bound to the approval and the user) with Approve and Deny. No JavaScript needed.
 */
export function approvalPage(row: GatewayApprovalRow, action: string, csrf: string): string {
  const truncated = row.arguments.length >= SHOWN_ARGUMENTS_MAX
  const body = html`<h1>${t('approval.title')}</h1>
    <p>${t('approval.asks', { client: html`<strong>${row.clientId}</strong>` })}</p>
    <dl class="facts">
      <dt>${t('approval.upstream')}</dt>
      <dd><code translate="no">${row.upstream}</code></dd>
      <dt>${t('approval.tool')}</dt>
      <dd><code translate="no">${row.tool}</code></dd>
      <dt>${t('approval.client')}</dt>
      <dd><code translate="no">${row.clientId}</code></dd>
    </dl>
    <h2>${t('approval.arguments')}</h2>
    <pre translate="no" tabindex="0"><code>${row.arguments}</code></pre>
    ${truncated ? html`<p class="error">${t('approval.truncated')}</p>` : ''}
    <p>${t('approval.onlyIf')}</p>
    <form method="post" action="${action}">
      <input type="hidden" name="csrf" value="${csrf}" />
      <div class="actions">
        <button type="submit" name="decision" value="approve">${t('approval.approve')}</button>
        <button type="submit" name="decision" value="deny" class="secondary">
          ${t('approval.deny')}
        </button>
      </div>
    </form>`
  return renderPage({ title: text('approval.title'), body, user: SIGNED_IN, narrow: true })
}

/** A CSRF token bound to one approval and the signed-in user (HMAC-SHA256). */
export function approvalCsrf(secret: string, idHash: string, sub: string): string {
  return createHmac('sha256', secret).update(`approval:${idHash}\n${sub}`).digest('base64url')
}

/** Whether `value` is that token (constant-time comparison). */
export function approvalCsrfValid(
  secret: string,
  idHash: string,
  sub: string,
  value: unknown,
): boolean {
  if (typeof value !== 'string') return false
  const expected = Buffer.from(approvalCsrf(secret, idHash, sub))
  const given = Buffer.from(value)
  return given.length === expected.length && timingSafeEqual(given, expected)
}
