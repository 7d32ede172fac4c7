import { ROUTES } from '@mandate/authorization-server'
import type { AuthorizationServerOptions } from '@mandate/authorization-server'
import type { AuditSink, Logger } from '@mandate/core'
import type { Gateway } from '@mandate/gateway'
import { mountOnHono } from '@mandate/server'
import type { Linking, OidcSessionSource } from '@mandate/server/linking'
import type { Store } from '@mandate/store'
import { currentAuditContext } from '../audit/request-context.ts'
import type { MandateConfig } from '../config/schema.ts'
import type { MandateApp } from '../serve/app.ts'
import { gatewayRegistration, gatewayUpstreams } from './gateway-config.ts'
import { loopbackFetch } from './loopback-fetch.ts'
import { APPROVAL_PATH, serveApprovalOptions } from './approval-session.ts'

/** The gateway's registration at this server's authorization server, once computed. */
export interface GatewaySetup {
  resource: string
  clientSecret: string
  /** The gateway resource's scopes (its own and those of exchange upstreams). */
  scopes: string[]
  /** The exchange upstreams' resources the token-exchange policy names (fixed at start). */
  audiences: string[]
}

/**
 * Adds the gateway to the authorization server's options (`mandate serve`, gateway enabled):
 * its resource, its confidential client and its token-exchange policy. Undefined when disabled.
 */
export function registerGateway(
  config: MandateConfig,
  publicUrl: URL,
  options: AuthorizationServerOptions,
): GatewaySetup | undefined {
  if (!config.gateway.enabled) return undefined
  const resource = new URL(config.gateway.path, publicUrl).href
  const registration = gatewayRegistration(config.gateway, resource, Object.keys(options.resources))
  options.resources[resource] = { scopes: registration.scopes }
  options.clients = [...(options.clients ?? []), registration.client]
  options.tokenExchange = {
    policies: [...(options.tokenExchange?.policies ?? []), registration.policy],
  }
  return {
    resource,
    clientSecret: registration.clientSecret,
    scopes: registration.scopes,
    audiences: registration.policy.audiences,
  }
}

/**
 * Builds the gateway for `mandate serve` and mounts it on the app. `@mandate/gateway` (with its
 * CEL policy engine, some 170 modules) is loaded here, only when the gateway is enabled.
 */
export async function mountGateway(
  app: MandateApp,
  setup: GatewaySetup,
  context: {
    config: MandateConfig
    issuer: string
    publicUrl: URL
    listenUrl: URL
    store: Store
    linking: Linking
    logger: Logger
    audit: AuditSink
    /** The authorization server's sessions: who approves a call (`approve` rules). */
    sessions: () => OidcSessionSource
  },
): Promise<Gateway> {
  const { config, issuer, publicUrl, listenUrl } = context
  const { createGateway, storeRiskHistory } = await import('@mandate/gateway')
  const gateway = createGateway({
    resource: setup.resource,
    authorizationServers: [issuer],
    // This process's own keys, over loopback (as the demo's notes server does).
    verifier: { jwt: { issuers: [{ issuer, jwksUri: new URL(ROUTES.jwks, listenUrl).href }] } },
    store: context.store,
    logger: context.logger.child({ component: 'gateway' }),
    allowedHosts: [publicUrl.host],
    serveRootMetadata: false,
    scopesSupported: setup.scopes,
    // A first sign-in asks for what the upstreams need, so that exchanges can succeed.
    challengeScopes: setup.scopes,
    upstreams: gatewayUpstreams(config.gateway),
    linking: context.linking,
    approval: serveApprovalOptions(issuer, publicUrl, context.sessions),
    audit: context.audit,
    // `risk` (docs/gateway.md): sign-ins and client use from the stored audit trail, the
    // source address as the audit trail records it (behind a trusted proxy, its last hop).
    risk: { history: storeRiskHistory(context.store) },
    sourceAddress: () => currentAuditContext()?.ip,
    sessionIdleMs: config.gateway.sessionIdleMs,
    maxSessions: config.gateway.maxSessions,
    tokenExchange: {
      tokenEndpoint: new URL(ROUTES.token, publicUrl).href,
      clientId: config.gateway.clientId,
      clientSecret: setup.clientSecret,
      fetch: loopbackFetch(listenUrl, publicUrl),
    },
  })
  mountOnHono(app, gateway)
  if (gateway.approvalRoutes !== undefined) app.route(APPROVAL_PATH, gateway.approvalRoutes)
  return gateway
}
