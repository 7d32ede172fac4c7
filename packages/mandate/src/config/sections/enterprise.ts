import * as z from 'zod'
import type { AuthorizationServerOptions } from '@mandate/authorization-server'

const scopes = z.array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/)).min(1)
const resourceScopes = z.record(z.url({ protocol: /^https?$/ }), scopes)

/**
 * The client credentials grant (MCP "OAuth Client Credentials" extension): operator-registered
 * confidential clients and what each may get, per resource (docs/enterprise.md).
 */
export const clientCredentialsConfig = z
  .strictObject({
    clients: z
      .array(z.strictObject({ clientId: z.string().min(1), resources: resourceScopes }))
      .default([]),
    /** Dynamically registered and CIMD clients: refused unless set. */
    dynamicClients: z.strictObject({ resources: resourceScopes }).optional(),
  })
  .prefault({})

/** Enterprise-Managed Authorization, both roles (docs/enterprise.md). */
export const enterpriseConfig = z
  .strictObject({
    /** IdPs whose ID-JAGs this server redeems (resource-application role). */
    trustedIdps: z
      .array(
        z.strictObject({
          issuer: z.url(),
          jwksUri: z.url().optional(),
          subject: z.enum(['email', 'sub', 'jit']),
          clients: z.array(z.string().min(1)).optional(),
          /** Development only: http and private addresses for this IdP. */
          allowInsecure: z.boolean().default(false),
        }),
      )
      .default([]),
    /** Applications this server mints ID-JAGs for (IdP role). */
    resourceApplications: z
      .array(
        z.strictObject({
          audience: z.url(),
          resources: z.array(z.url({ protocol: /^https?$/ })).min(1),
          clients: z.record(z.string().min(1), z.string().min(1)),
          scopes,
          /** Usernames (or user ids) allowed; `*` for every active user. */
          users: z.array(z.string().min(1)),
          ttlSeconds: z.int().min(30).max(3_600).optional(),
        }),
      )
      .default([]),
  })
  .prefault({})

/** The authorization-server options of both sections. */
export function enterpriseOptions(as: {
  clientCredentials: z.output<typeof clientCredentialsConfig>
  enterprise: z.output<typeof enterpriseConfig>
}): Pick<AuthorizationServerOptions, 'clientCredentials' | 'enterprise'> {
  const { dynamicClients } = as.clientCredentials
  return {
    clientCredentials: {
      clients: as.clientCredentials.clients,
      ...(dynamicClients === undefined ? {} : { dynamicClients }),
    },
    enterprise: {
      trustedIdps: as.enterprise.trustedIdps.map(({ jwksUri, clients, ...idp }) => ({
        ...idp,
        ...(jwksUri === undefined ? {} : { jwksUri }),
        ...(clients === undefined ? {} : { clients }),
      })),
      resourceApplications: as.enterprise.resourceApplications.map(({ ttlSeconds, ...app }) => ({
        ...app,
        ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
      })),
    },
  }
}
