import { createSsrfSafeFetch } from '@mandate/core/node'
import type { SsrfSafeFetch } from '@mandate/core/node'
import type { AuthorizationServerOptions } from '../options.ts'

/** Relaxations of the SSRF policy for development; both off in production. */
export interface OutboundPolicy {
  /** Development only: every host may resolve to special-use addresses. */
  allowAnyHost?: boolean
  /** Development only: `http:` URLs. */
  allowHttp?: boolean
}

/**
 * The fetch for every request the authorization server makes to a URL it did not choose:
 * oidc-provider's (client `jwks_uri`, `sector_identifier_uri`, Client ID Metadata Documents,
 * back-channel notifications) and the upstream IdP's. `@mandate/core`'s SSRF-safe fetch resolves
 * the host once and classifies every address BEFORE connecting (catalogue #135, #136; issue 11
 * #12): a special-use address is refused unless the host is in `allowedPrivateHosts`; the
 * connection is pinned to the checked address and redirects are never followed (#137).
 */
export function outboundFetch(
  options: AuthorizationServerOptions,
  policy: OutboundPolicy = {},
): SsrfSafeFetch {
  const allowed = new Set((options.allowedPrivateHosts ?? []).map((host) => normalise(host)))
  return createSsrfSafeFetch({
    allowSpecialUseHost: (host) => policy.allowAnyHost === true || allowed.has(host),
    dangerouslyAllowHttp: policy.allowHttp === true,
    ...(options.cimdCa === undefined ? {} : { ca: options.cimdCa }),
  })
}

/** Lower case, IPv6 literals without brackets: the form the fetch compares with. */
function normalise(host: string): string {
  const lower = host.trim().toLowerCase()
  return lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower
}
