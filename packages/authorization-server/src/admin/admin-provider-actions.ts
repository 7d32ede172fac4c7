import { MandateError } from '@mandate/core'
import { AuthorizationServerError } from '../errors.ts'
import { renderErrorPage } from '../pages/error-page.ts'
import type { AdminAction } from './admin-actions.ts'
import { auditAdminAction } from './admin-action-audit.ts'
import type { AdminDeps, AdminStep } from './admin-env.ts'
import type { AdminProviderInput, AdminProvidersService } from './admin-providers-service.ts'
import { sectionPage } from './section-page.ts'
import { providerTestSection } from './sections/providers-section.ts'

const KINDS: readonly AdminProviderInput['kind'][] = ['preset', 'oauth2', 'oidc', 'api_key']

/** A form field, trimmed; absent when empty. */
const opt = (form: Record<string, unknown>, name: string): string | undefined => {
  const value = form[name]
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
}

/** The add form as the service's input (unknown fields are ignored). */
function inputOf(form: Record<string, unknown>): AdminProviderInput {
  const kind = KINDS.find((k) => k === form['kind']) ?? 'preset'
  const input: AdminProviderInput = { id: opt(form, 'id') ?? '', kind }
  const fields = {
    displayName: 'display_name',
    issuer: 'issuer',
    authorizationEndpoint: 'authorization_endpoint',
    tokenEndpoint: 'token_endpoint',
    defaultScopes: 'default_scopes',
    clientId: 'client_id',
    clientSecret: 'client_secret',
  } as const
  for (const [key, name] of Object.entries(fields) as [keyof typeof fields, string][]) {
    const value = opt(form, name)
    if (value !== undefined) input[key] = value
  }
  if (form['discovery'] === '1') input.discovery = true
  return input
}

/** The host's providers service; a console without one has no provider actions. */
function service(deps: AdminDeps): AdminProvidersService {
  if (deps.providers === undefined)
    throw new AuthorizationServerError('ERR_AS_CONFIG', 'providers cannot be changed here')
  return deps.providers
}

/** A refusal of the service (an invalid definition, a missing secret) as a console error. */
async function refusing<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (error) {
    if (error instanceof MandateError && !(error instanceof AuthorizationServerError))
      throw new AuthorizationServerError('ERR_AS_CONFIG', error.message)
    throw error
  }
}

/**
 * Add and remove: audited as `admin.action` with the provider id (never the secret); `mandate
 * providers add|remove` records no event, so there is no typed one to share.
 */
export const PROVIDER_ACTIONS: readonly AdminAction[] = [
  {
    path: '/providers/add',
    section: 'providers',
    run: async (deps, form, op) => {
      const input = inputOf(form)
      const { id } = await refusing(() => service(deps).add(input))
      auditAdminAction(deps, op, 'providers.add', id)
      return 'done'
    },
  },
  {
    path: '/providers/remove',
    section: 'providers',
    run: async (deps, form, op) => {
      const id = opt(form, 'provider') ?? ''
      if (!(await service(deps).remove(id))) return 'not_found'
      auditAdminAction(deps, op, 'providers.remove', id)
      return 'done'
    },
  },
]

/**
 * `POST /admin/providers/test`: the checks `mandate providers test` runs, shown as a table
 * (each line names an endpoint and a status, never a response body); audited like an action.
 */
export const testProviderAction: AdminStep = async (c) => {
  const { deps, operator: op } = c.var
  const id = opt(c.var.form, 'provider') ?? ''
  const checks = deps.providers === undefined ? undefined : await deps.providers.test(id)
  if (checks === undefined) {
    return c.html(
      renderErrorPage('not_found', 'error.notFound', undefined, {
        user: op.user,
        back: { href: '/admin/providers', label: 'error.tryAgain' },
      }),
      404,
    )
  }
  auditAdminAction(deps, op, 'providers.test', id)
  return sectionPage(c, 'providers', providerTestSection(id, checks))
}
