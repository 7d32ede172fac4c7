import { silentLogger } from '@mandate/core'
import type { Logger } from '@mandate/core'
import type { ClientMetadata } from 'oidc-provider'
import type { ResourceApplication, TrustedEnterpriseIdp } from '../enterprise/enterprise-options.ts'
import type {
  AuthorizationServerOptions,
  ClientCredentialsPolicy,
  TokenExchangePolicy,
} from '../options.ts'
import { assertNoReservedClient } from '../provider/account-client.ts'
import { checkIntrospectionClients, checkIssuer, checkKeyWrapper } from './check-options.ts'
import { checkAccessTokenSeconds } from './check-lifetime.ts'
import { AS_DEFAULTS } from './defaults.ts'
import { frozen } from './frozen.ts'
import { createResourceRegistry } from './resource-registry.ts'
import type { ConfiguredResource, ResourceRegistry } from './resource-registry.ts'

type Section<K extends keyof AuthorizationServerOptions> = Required<
  NonNullable<AuthorizationServerOptions[K]>
>

/** Every lifetime of the server, seconds, resolved (the configurable ones and the fixed ones). */
export interface ResolvedLifetimes extends Section<'ttl'> {
  /** A login or consent interaction in progress. */
  readonly interactionSeconds: number
  /** An ID token. */
  readonly idTokenSeconds: number
}

/**
 * The authorization server's options resolved once, frozen: every default filled in from
 * {@link AS_DEFAULTS}, the resources in a {@link ResourceRegistry}. It is still an
 * `AuthorizationServerOptions`, so parts that take the options read the resolved values.
 */
export interface AuthorizationServerConfig extends AuthorizationServerOptions {
  /** The issuer's origin (the issuer is an origin; requests for another origin are refused). */
  readonly issuerOrigin: string
  /** The given logger (or a silent one), tagged `component: authorization-server`. */
  readonly logger: Logger
  /** Resource URL as configured → the resource with its defaults. */
  readonly resources: Readonly<Record<string, ConfiguredResource>>
  /** Every resource lookup goes through this (canonical URL comparison). */
  readonly resourceRegistry: ResourceRegistry
  readonly clients: ClientMetadata[]
  /** `client_id`s of the operator-configured clients (`clients`). */
  readonly configuredClientIds: ReadonlySet<string>
  readonly cimd: Section<'cimd'>
  readonly allowPrivateCimdHosts: boolean
  readonly allowedPrivateHosts: string[]
  readonly dcr: Section<'dcr'>
  readonly ttl: ResolvedLifetimes
  readonly refreshGraceSeconds: number
  readonly errorRedirectDomains: string[]
  readonly tokenExchange: { readonly policies: TokenExchangePolicy[] }
  readonly clientCredentials: {
    readonly clients: ClientCredentialsPolicy[]
    readonly dynamicClients?: { readonly resources: Record<string, string[]> }
  }
  readonly enterprise: {
    readonly trustedIdps: TrustedEnterpriseIdp[]
    /**
     * Held as given, not copied: an application's `audience` may be known only once the other
     * server runs (its `ttlSeconds` defaults to `AS_DEFAULTS.idJagSeconds` where it is used).
     */
    readonly resourceApplications: ResourceApplication[]
  }
  readonly trustProxy: boolean
}

/**
 * Checks the options and resolves them once into a frozen {@link AuthorizationServerConfig};
 * `createAuthorizationServer` calls it first, so a configuration error (`ERR_AS_CONFIG`) stops
 * the start before anything is stored. Call it yourself to check a configuration early.
 */
export function resolveAuthorizationServerConfig(
  options: AuthorizationServerOptions,
): AuthorizationServerConfig {
  const issuerUrl = checkIssuer(options.issuer)
  const ttl = resolveLifetimes(options)
  const resourceRegistry = createResourceRegistry(
    options.resources,
    ttl.accessTokenSeconds,
    options.defaultResource,
  )
  const clients = frozen(options.clients ?? [])
  assertNoReservedClient(clients)
  checkKeyWrapper(options)
  checkIntrospectionClients(resourceRegistry, clients)
  return Object.freeze({
    ...options,
    issuerOrigin: issuerUrl.origin,
    logger: (options.logger ?? silentLogger).child({ component: 'authorization-server' }),
    resources: Object.freeze(
      Object.fromEntries(resourceRegistry.list.map((resource) => [resource.url, resource])),
    ),
    resourceRegistry,
    clients,
    configuredClientIds: new Set(clients.map((client) => client.client_id)),
    ...resolveClientRegistration(options),
    ttl,
    refreshGraceSeconds: options.refreshGraceSeconds ?? AS_DEFAULTS.refreshGraceSeconds,
    errorRedirectDomains: frozen(options.errorRedirectDomains ?? []),
    ...resolveGrantPolicies(options),
    trustProxy: options.trustProxy ?? false,
    ...(options.scopeDescriptions === undefined
      ? {}
      : { scopeDescriptions: Object.freeze({ ...options.scopeDescriptions }) }),
  })
}

function resolveLifetimes(options: AuthorizationServerOptions): ResolvedLifetimes {
  const ttl = options.ttl ?? {}
  return Object.freeze({
    accessTokenSeconds: checkAccessTokenSeconds(
      ttl.accessTokenSeconds ?? AS_DEFAULTS.accessTokenSeconds,
      'ttl.accessTokenSeconds',
    ),
    authorizationCodeSeconds: ttl.authorizationCodeSeconds ?? AS_DEFAULTS.authorizationCodeSeconds,
    refreshTokenSeconds: ttl.refreshTokenSeconds ?? AS_DEFAULTS.refreshTokenSeconds,
    grantSeconds: ttl.grantSeconds ?? AS_DEFAULTS.grantSeconds,
    sessionSeconds: ttl.sessionSeconds ?? AS_DEFAULTS.sessionSeconds,
    interactionSeconds: AS_DEFAULTS.interactionSeconds,
    idTokenSeconds: AS_DEFAULTS.idTokenSeconds,
  })
}

/** CIMD, DCR and outbound-fetch settings. */
function resolveClientRegistration(
  options: AuthorizationServerOptions,
): Pick<
  AuthorizationServerConfig,
  'cimd' | 'dcr' | 'allowPrivateCimdHosts' | 'allowedPrivateHosts'
> {
  const { cimd = {}, dcr = {} } = options
  return {
    cimd: Object.freeze({
      enabled: cimd.enabled ?? true,
      allowDomains: frozen(cimd.allowDomains ?? []),
      denyDomains: frozen(cimd.denyDomains ?? []),
      fetchesPerOriginPerMinute:
        cimd.fetchesPerOriginPerMinute ?? AS_DEFAULTS.cimdFetchesPerOriginPerMinute,
    }),
    dcr: Object.freeze({
      enabled: dcr.enabled ?? true,
      ttlSeconds: dcr.ttlSeconds ?? AS_DEFAULTS.dcrTtlSeconds,
      perSourcePerHour: dcr.perSourcePerHour ?? AS_DEFAULTS.dcrPerSourcePerHour,
    }),
    allowPrivateCimdHosts: options.allowPrivateCimdHosts ?? false,
    allowedPrivateHosts: frozen(options.allowedPrivateHosts ?? []),
  }
}

/** Token exchange, client credentials and Enterprise-Managed Authorization policies. */
function resolveGrantPolicies(
  options: AuthorizationServerOptions,
): Pick<AuthorizationServerConfig, 'tokenExchange' | 'clientCredentials' | 'enterprise'> {
  const { clientCredentials, enterprise = {} } = options
  return {
    tokenExchange: Object.freeze({ policies: frozen(options.tokenExchange?.policies ?? []) }),
    clientCredentials: Object.freeze({
      clients: frozen(clientCredentials?.clients ?? []),
      ...(clientCredentials?.dynamicClients === undefined
        ? {}
        : { dynamicClients: clientCredentials.dynamicClients }),
    }),
    enterprise: Object.freeze({
      trustedIdps: frozen(enterprise.trustedIdps ?? []),
      resourceApplications: frozen(enterprise.resourceApplications ?? []),
    }),
  }
}
