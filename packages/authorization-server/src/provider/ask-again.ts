import type { Grant, KoaContextWithOIDC } from 'oidc-provider'

interface Rejections {
  openid?: { scope?: string }
  resources?: Record<string, string>
}

const without = (scopes: string | undefined, asked: ReadonlySet<string>): string =>
  (scopes ?? '')
    .split(' ')
    .filter((scope) => scope !== '' && !asked.has(scope))
    .join(' ')

/**
 * A scope the person once unticked on the consent page is asked again when a later request
 * names it: oidc-provider counts rejected scopes as "encountered" and would never prompt for
 * them, so a client could never step up to a scope the person first declined (the token would
 * silently stay without it). Only the in-memory copy of the grant changes; the consent page
 * then shows those scopes, and the person's new choice is what gets saved.
 */
export function askAgainForRejectedScopes(grant: Grant, oidc: KoaContextWithOIDC['oidc']): Grant {
  forgetRejections(grant, new Set(oidc.requestParamScopes))
  return grant
}

/** Drops `scopes` from what the grant records as declined (they are being decided anew). */
export function forgetRejections(grant: Grant, scopes: ReadonlySet<string>): void {
  const rejected = (grant as unknown as { rejected?: Rejections }).rejected
  if (rejected === undefined || scopes.size === 0) return
  if (rejected.openid?.scope !== undefined) {
    rejected.openid.scope = without(rejected.openid.scope, scopes)
  }
  for (const resource of Object.keys(rejected.resources ?? {})) {
    if (rejected.resources !== undefined) {
      rejected.resources[resource] = without(rejected.resources[resource], scopes)
    }
  }
}
