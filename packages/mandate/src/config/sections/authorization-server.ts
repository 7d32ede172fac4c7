import * as z from 'zod'
import { clientCredentialsConfig, enterpriseConfig } from './enterprise.ts'

const scope = z
  .string()
  .regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'must be an RFC 6749 §3.3 scope token')

/**
 * The embedded authorization server (docs/authorization-server.md). Clients use OAuth wire
 * names (RFC 7591 client metadata); everything else is camelCase.
 */
export const authorizationServerSection = z
  .strictObject({
    /** Protected resources (RFC 8707 resource indicators) and the scopes each accepts. */
    resources: z
      .record(
        z.url({ protocol: /^https?$/ }),
        z.strictObject({
          scopes: z.array(scope).min(1),
          accessTokenTtlSeconds: z.int().min(30).max(86_400).optional(),
          /** Scopes asked for when a request names none (RFC 6749 §3.3). Default: all. */
          defaultScopes: z.array(scope).optional(),
          /** Operator clients (this resource's credentials) that may introspect its tokens. */
          introspectionClients: z.array(z.string().min(1)).optional(),
        }),
      )
      .default({}),
    /** Scope → what it lets an application do, in words (consent and account pages). */
    scopeDescriptions: z.record(scope, z.string().min(1).max(200)).default({}),
    /** Pre-registered clients, as RFC 7591 client metadata (`client_id`, `redirect_uris`, …). */
    clients: z
      .array(
        z.looseObject({
          client_id: z.string().min(1),
          redirect_uris: z.array(z.url()).optional(),
          client_secret: z.string().min(32).optional(),
          token_endpoint_auth_method: z.string().optional(),
        }),
      )
      .default([]),
    /** Client ID Metadata Documents (URL client_ids). */
    cimd: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** When set, only client_id URLs on these domains (and their subdomains) are accepted. */
        allowDomains: z.array(z.string().min(1)).optional(),
        denyDomains: z.array(z.string().min(1)).default([]),
        /** Development only: fetch metadata documents from loopback and private addresses. */
        allowPrivateHosts: z.boolean().default(false),
        /** Metadata fetches per client_id origin per minute, across instances (catalogue #142). */
        fetchesPerOriginPerMinute: z.int().min(1).max(10_000).default(30),
      })
      .prefault({}),
    /**
     * Hosts the server may fetch from (CIMD, client jwks_uri, sector_identifier_uri, upstream
     * IdP) although they resolve to loopback, private or other special-use addresses.
     */
    allowedPrivateHosts: z.array(z.string().min(1)).default([]),
    /** Dynamic Client Registration (RFC 7591) for clients without CIMD. */
    dcr: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** Registrations unused for this long expire (extended while tokens are live). */
        ttlSeconds: z.int().min(60).optional(),
        /** Registrations accepted per source address per hour. */
        perSourcePerHour: z.int().min(1).optional(),
      })
      .prefault({}),
    ttl: z
      .strictObject({
        accessTokenSeconds: z.int().min(30).max(86_400).optional(),
        authorizationCodeSeconds: z.int().min(10).max(600).optional(),
        refreshTokenSeconds: z.int().min(60).optional(),
        grantSeconds: z.int().min(60).optional(),
        sessionSeconds: z.int().min(60).optional(),
      })
      .prefault({}),
    /**
     * How long a rotated refresh token stays usable once more (parallel refreshes), only while
     * its successor is unused. Default 0: every reuse revokes the grant (RFC 9700 §4.14.2).
     */
    refreshGraceSeconds: z.int().min(0).max(60).default(0),
    /** The resource of a request naming neither resource nor scope (default: the only one). */
    defaultResource: z.url({ protocol: /^https?$/ }).optional(),
    /** Redirect hosts of DCR/CIMD clients that may receive error redirects (RFC 9700 §4.11.2). */
    errorRedirectDomains: z.array(z.string().min(1)).default([]),
    /** RFC 8693: which confidential clients may exchange tokens, from and to which audiences. */
    tokenExchange: z
      .strictObject({
        policies: z
          .array(
            z.strictObject({
              clientId: z.string().min(1),
              subjectAudiences: z.array(z.url()).min(1),
              audiences: z.array(z.url()).min(1),
            }),
          )
          .default([]),
      })
      .prefault({}),
    clientCredentials: clientCredentialsConfig,
    enterprise: enterpriseConfig,
    /** Sign-in through an upstream OpenID provider. */
    upstream: z
      .strictObject({
        issuer: z.url(),
        clientId: z.string().min(1),
        clientSecret: z.string().min(1).optional(),
        name: z.string().min(1),
        scopes: z.array(scope).optional(),
        /** Development only: http and private addresses for the upstream (and its SETs' keys). */
        allowInsecure: z.boolean().default(false),
      })
      .optional(),
    /**
     * Behind a reverse proxy that rewrites Host: Host is not checked, X-Forwarded-For gives the
     * client address. Forwarded host/proto must still name the public URL; URLs never come
     * from the request.
     */
    trustProxy: z.boolean().default(false),
  })
  .prefault({})

/** The validated `authorizationServer` section. */
export type AuthorizationServerSection = z.output<typeof authorizationServerSection>
