import type { AuthorizationServerOptions } from '@mandate/authorization-server'
import type { AuditEvent } from '@mandate/core'
import type { Linking } from '@mandate/server/linking'
import type { Vault } from '@mandate/vault'
import { providersService } from '../providers/providers-service.ts'
import { enterpriseOptions } from '../config/sections/enterprise.ts'
import type { Runtime } from '../runtime/open-runtime.ts'

/** The scopes of the demo notes server (examples/notes-server). */
export const DEMO_SCOPES = ['notes:read', 'notes:write'] as const
const DEMO_SCOPE_DESCRIPTIONS = {
  'notes:read': 'Read your notes',
  'notes:write': 'Create and change your notes',
}

/**
 * The authorization server's options from the configuration, for the issuer `mandate serve`
 * runs: the demo resource when the demo is on, secrets sealed with the vault's keys (so that
 * key rotation, re-wrap and retire cover them like every vault record), `/account`'s linked
 * accounts and pending approvals (from account linking, once `linking()` is open: relink, open,
 * cancel), and the console's providers section (the code behind `mandate providers`).
 */
export function authorizationServerOptions(
  runtime: Runtime,
  vault: Vault,
  issuer: string,
  audit: (event: AuditEvent) => void,
  demoResource: string | undefined,
  linking: () => Linking | undefined = () => undefined,
  providersChanged: () => Promise<void> = () => Promise.resolve(),
): AuthorizationServerOptions {
  const { config, logger, store } = runtime
  const as = config.authorizationServer
  const resources = {
    ...(demoResource === undefined ? {} : { [demoResource]: { scopes: [...DEMO_SCOPES] } }),
    ...as.resources,
  }
  return {
    issuer,
    store,
    logger: logger.child({ component: 'authorization-server' }),
    keys: vault.keys,
    resources: Object.fromEntries(
      Object.entries(resources).map(([url, resource]) => [url, withoutUndefined(resource)]),
    ),
    scopeDescriptions: {
      ...(demoResource === undefined ? {} : DEMO_SCOPE_DESCRIPTIONS),
      ...as.scopeDescriptions,
    },
    // /account lists the user's linked accounts (metadata only) from the vault, with relink.
    linkedAccounts: async (sub) =>
      (await linking()?.overview(sub))?.linked ??
      (await vault.listCredentials(sub)).map((c) => ({
        provider: vault.catalog.get(c.provider)?.display_name ?? c.provider,
        account: c.account,
        scopes: c.scopes,
        lastUsedAt: c.last_used_at,
        needsReauth: c.status === 'needs_reauth',
      })),
    pendingApprovals: async (sub) => (await linking()?.overview(sub))?.pending ?? [],
    // Changes reach this process's catalog before the console answers, the others by the store.
    adminProviders: providersService(runtime, providersChanged),
    // Full client metadata is validated by oidc-provider when it starts.
    clients: as.clients as NonNullable<AuthorizationServerOptions['clients']>,
    cimd: {
      enabled: as.cimd.enabled,
      denyDomains: as.cimd.denyDomains,
      fetchesPerOriginPerMinute: as.cimd.fetchesPerOriginPerMinute,
      ...(as.cimd.allowDomains === undefined ? {} : { allowDomains: as.cimd.allowDomains }),
    },
    allowPrivateCimdHosts: as.cimd.allowPrivateHosts,
    allowedPrivateHosts: as.allowedPrivateHosts,
    dcr: withoutUndefined(as.dcr),
    ttl: withoutUndefined(as.ttl),
    tokenExchange: as.tokenExchange,
    ...enterpriseOptions(as),
    trustProxy: as.trustProxy,
    audit,
    refreshGraceSeconds: as.refreshGraceSeconds,
    errorRedirectDomains: as.errorRedirectDomains,
    ...(as.defaultResource === undefined ? {} : { defaultResource: as.defaultResource }),
    ...(as.upstream === undefined ? {} : { upstream: withoutUndefined(as.upstream) }),
  }
}

/** Drops undefined members, for options typed with `exactOptionalPropertyTypes`. */
function withoutUndefined<T extends object>(
  value: T,
): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>
  }
}
