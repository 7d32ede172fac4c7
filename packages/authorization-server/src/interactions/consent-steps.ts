import type { Grant } from 'oidc-provider'
import { csrfValid } from '../sessions/step-token.ts'
import { forgetRejections } from '../provider/ask-again.ts'
import type { Interaction, InteractionContext, InteractionStep } from './interaction-env.ts'
import { expired, finish } from './interaction-steps.ts'

/** What the consent prompt asks for (oidc-provider's `prompt.details`). */
interface MissingScopes {
  missingOIDCScope?: string[]
  missingResourceScopes?: Record<string, string[]>
}

/** Only a consent prompt of a signed-in user can be answered with a grant. */
export const requireConsentPrompt: InteractionStep = async (c, next) => {
  const d = c.var.interaction
  if (d.prompt.name !== 'consent' || d.session?.accountId === undefined) return expired(c)
  return next()
}

/** The consent form (CSRF bound to the interaction) and its ticked scope boxes. */
export const consentForm: InteractionStep = async (c, next) => {
  const body = await c.req.parseBody({ all: true })
  if (!csrfValid(c.var.deps.secret, c.var.interaction.uid, body['csrf'])) return expired(c)
  const raw = body['scope']
  const values = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]
  c.set('ticked', new Set(values.filter((v) => typeof v === 'string')))
  return next()
}

/** Scope names from the consent form's `"<resource> <scope>"` (or `" <scope>"`) values. */
function grantedNames(ticked: ReadonlySet<string>): Set<string> {
  return new Set([...ticked].map((value) => value.slice(value.lastIndexOf(' ') + 1)))
}

/**
 * Records the person's choice on the grant, per scope: a ticked scope is granted, an unticked
 * one rejected, so the token carries only what was granted; a scope declined before and
 * ticked now is no longer declined. Returns what was granted, for the audit event.
 */
function applyChoices(
  grant: Grant,
  missing: MissingScopes,
  ticked: ReadonlySet<string>,
): { scopes: string[]; resources: string[] } {
  const { missingOIDCScope = [], missingResourceScopes = {} } = missing
  forgetRejections(grant, ticked.size === 0 ? new Set() : grantedNames(ticked))
  const oidcGranted = missingOIDCScope.filter((s) => s === 'openid' || ticked.has(` ${s}`))
  const oidcRejected = missingOIDCScope.filter((s) => !oidcGranted.includes(s))
  if (oidcGranted.length > 0) grant.addOIDCScope(oidcGranted.join(' '))
  if (oidcRejected.length > 0) grant.rejectOIDCScope(oidcRejected.join(' '))
  const resources: string[] = []
  const scopes: string[] = [...oidcGranted]
  for (const [resource, asked] of Object.entries(missingResourceScopes)) {
    const granted = asked.filter((s) => ticked.has(`${resource} ${s}`))
    const rejected = asked.filter((s) => !granted.includes(s))
    if (granted.length > 0) grant.addResourceScope(resource, granted.join(' '))
    if (rejected.length > 0) grant.rejectResourceScope(resource, rejected.join(' '))
    resources.push(resource)
    scopes.push(...granted)
  }
  return { scopes, resources }
}

/** The grant being extended (the interaction's), or a new one for this user and client. */
async function grantOf(c: InteractionContext, d: Interaction): Promise<Grant> {
  const provider = c.var.deps.provider()
  const accountId = d.session?.accountId ?? ''
  const clientId = String(d.params['client_id'])
  const found = d.grantId === undefined ? undefined : await provider.Grant.find(d.grantId)
  return found ?? new provider.Grant({ accountId, clientId })
}

/** Saves the grant with the person's choice, audits it and returns to oidc-provider. */
export const saveConsent: InteractionStep = async (c) => {
  const d = c.var.interaction
  const missing = d.prompt.details as MissingScopes
  const grant = await grantOf(c, d)
  const granted = applyChoices(grant, missing, c.var.ticked)
  const grantId = await grant.save()
  c.var.deps.emit({
    type: 'consent.granted',
    sub: d.session?.accountId ?? '',
    client_id: String(d.params['client_id']),
    grant_id: grantId,
    scope: granted.scopes.join(' '),
    scope_requested: [
      ...(missing.missingOIDCScope ?? []),
      ...Object.values(missing.missingResourceScopes ?? {}).flat(),
    ].join(' '),
    resource: granted.resources,
  })
  return finish(c, { consent: { grantId } })
}
