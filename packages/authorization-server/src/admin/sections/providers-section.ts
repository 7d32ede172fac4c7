import { dataTable, html, relativeTime, t, text } from '@mandate/core'
import type { SafeHtml, StringKey, TableColumn } from '@mandate/core'
import type { AdminProviderCheck, AdminProviderRow } from '../admin-providers-service.ts'
import { actionForm } from './action-form.ts'

/** A third-party provider of the vault's catalog, as the console lists it without a service. */
export interface AdminProvider {
  id: string
  name: string
  updatedAt: number
}

const COLUMNS: readonly TableColumn<AdminProvider>[] = [
  { heading: 'admin.providerId', cell: (p) => html`<code translate="no">${p.id}</code>` },
  { heading: 'admin.name', cell: (p) => p.name, data: true },
  { heading: 'admin.created', cell: (p) => relativeTime(p.updatedAt) },
]

const note = (): SafeHtml =>
  html`<p>
      ${t('admin.providersNote', { command: html`<code>mandate providers add|test|remove</code>` })}
    </p>
    <p>${t('admin.providersRestart')}</p>`

/** `/admin/providers` when the host passes no providers service: the stored ones, read only. */
export function providersSection(providers: AdminProvider[]): SafeHtml {
  const head = html`<p>${t('admin.providersUnavailable')}</p>`
  if (providers.length === 0)
    return html`${head}
      <p>${t('admin.noProviders')}</p>`
  return html`${head} ${dataTable({ testId: 'providers', columns: COLUMNS, rows: providers })}`
}

const REGISTRATION: Readonly<Record<AdminProviderRow['registration'], StringKey>> = {
  sealed: 'admin.sealed',
  missing: 'admin.notSealed',
  not_needed: 'admin.notNeeded',
}

const field = (id: string, label: StringKey, type = 'text', extra: SafeHtml = html``) =>
  html`<label for="provider-${id}">${t(label)}</label>
    <input id="provider-${id}" name="${id}" type="${type}" autocomplete="off" ${extra} />`

/** The add form: a preset by id, or a definition; the client secret is typed once. */
function addForm(csrf: string, presets: readonly string[]): SafeHtml {
  const kinds: readonly [string, StringKey][] = [
    ['preset', 'admin.kind.preset'],
    ['oauth2', 'admin.kind.oauth2'],
    ['oidc', 'admin.kind.oidc'],
    ['api_key', 'admin.kind.api_key'],
  ]
  return html`<h2>${t('admin.addProvider')}</h2>
    <form method="post" action="/admin/providers/add" data-testid="add-provider">
      <input type="hidden" name="csrf" value="${csrf}" />
      <label for="provider-id">${t('admin.providerIdHint', { presets: presets.join(', ') })}</label>
      <input id="provider-id" name="id" type="text" autocomplete="off" required />
      <label for="provider-kind">${t('admin.providerKind')}</label>
      <select id="provider-kind" name="kind">
        ${kinds.map(([value, key]) => html`<option value="${value}">${t(key)}</option>`)}
      </select>
      ${field('display_name', 'admin.displayName')} ${field('issuer', 'admin.issuerField', 'url')}
      <div>
        <input id="provider-discovery" name="discovery" type="checkbox" value="1" />
        <label for="provider-discovery">${t('admin.discovery')}</label>
      </div>
      ${field('authorization_endpoint', 'admin.authorizationEndpoint', 'url')}
      ${field('token_endpoint', 'admin.tokenEndpoint', 'url')}
      ${field('default_scopes', 'admin.defaultScopes')} ${field('client_id', 'admin.clientId')}
      ${field('client_secret', 'admin.clientSecret', 'password', html`autocomplete="new-password"`)}
      <button type="submit">${t('admin.addProvider')}</button>
    </form>`
}

/** `/admin/providers`: every provider with test and remove, and the add form. */
export function providersAdminSection(
  csrf: string,
  providers: AdminProviderRow[],
  presets: readonly string[],
): SafeHtml {
  const columns: readonly TableColumn<AdminProviderRow>[] = [
    { heading: 'admin.providerId', cell: (p) => html`<code translate="no">${p.id}</code>` },
    { heading: 'admin.name', cell: (p) => p.name, data: true },
    { heading: 'admin.kind', cell: (p) => html`<code translate="no">${p.kind}</code>` },
    { heading: 'admin.source', cell: (p) => t(`admin.source.${p.source}`) },
    { heading: 'admin.clientId', cell: (p) => p.clientId ?? '', data: true },
    { heading: 'admin.clientRegistration', cell: (p) => t(REGISTRATION[p.registration]) },
    {
      heading: 'admin.actions',
      cell: (p) =>
        html`${actionForm('/admin/providers/test', csrf, { provider: p.id }, 'admin.test', text('admin.testLabel', { id: p.id }))}
        ${
          p.source === 'database'
            ? actionForm(
                '/admin/providers/remove',
                csrf,
                { provider: p.id },
                'admin.remove',
                text('admin.removeLabel', { id: p.id }),
                true,
              )
            : ''
        }`,
    },
  ]
  const list =
    providers.length === 0
      ? html`<p>${t('admin.noProviders')}</p>`
      : dataTable({ testId: 'providers', columns, rows: providers })
  return html`${note()} ${list} ${addForm(csrf, presets)}`
}

/** The result of a provider test: one row per check (never a response body). */
export function providerTestSection(id: string, checks: AdminProviderCheck[]): SafeHtml {
  const columns: readonly TableColumn<AdminProviderCheck>[] = [
    { heading: 'admin.check', cell: (c) => html`<code translate="no">${c.what}</code>` },
    {
      heading: 'admin.result',
      cell: (c) =>
        c.ok
          ? html`<span class="badge ok">${t('admin.checkOk')}</span>`
          : html`<span class="badge warn">${t('admin.checkFailed')}</span>`,
    },
    { heading: 'admin.detail', cell: (c) => c.detail, data: true },
  ]
  return html`<h2>${t('admin.testResult', { id })}</h2>
    ${dataTable({ testId: 'provider-checks', columns, rows: checks })}
    <p><a href="/admin/providers">${t('admin.backToProviders')}</a></p>`
}
