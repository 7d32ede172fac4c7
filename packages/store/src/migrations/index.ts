import type { Migration, MigrationProvider } from 'kysely/migration'
import * as foundation from './202611210900-foundation.ts'
import * as replayExpiryIndex from './202611210901-replay-expiry-index.ts'
import * as vault from './202611211004-vault.ts'
import * as authorizationServer from './202611211017-authorization-server.ts'
import * as asGrantOwner from './202611211031-as-grant-owner.ts'
import * as linking from './202611211104-linking.ts'
import * as linkingClientCapabilities from './202611211123-linking-client-capabilities.ts'
import * as linkingCompletion from './202611211400-linking-completion.ts'
import * as loginFailures from './202612041100-login-failures.ts'
import * as hashedClientSecrets from './202612041101-hashed-client-secrets.ts'
import * as revocations from './202612041300-revocations.ts'
import * as providers from './202612041400-providers.ts'
import * as audit from './202612041600-audit.ts'
import * as userRoles from './202612041900-user-roles.ts'
import * as gatewayApprovals from './202612042000-gateway-approvals.ts'
import * as auditUnusedIndexes from './202612042200-audit-unused-indexes.ts'
import * as oidcPartialIndexes from './202612050000-oidc-partial-indexes.ts'

/**
 * Every migration, named `YYYYMMDDhhmm-what` so that lexical order is creation order. A
 * released migration is never edited, only followed by a new one, so that a database created
 * by an older version upgrades in place.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '202611210900-foundation': foundation,
  '202611210901-replay-expiry-index': replayExpiryIndex,
  '202611211004-vault': vault,
  '202611211017-authorization-server': authorizationServer,
  '202611211031-as-grant-owner': asGrantOwner,
  '202611211104-linking': linking,
  '202611211123-linking-client-capabilities': linkingClientCapabilities,
  '202611211400-linking-completion': linkingCompletion,
  '202612041100-login-failures': loginFailures,
  '202612041101-hashed-client-secrets': hashedClientSecrets,
  '202612041300-revocations': revocations,
  '202612041400-providers': providers,
  '202612041600-audit': audit,
  '202612041900-user-roles': userRoles,
  '202612042000-gateway-approvals': gatewayApprovals,
  '202612042200-audit-unused-indexes': auditUnusedIndexes,
  '202612050000-oidc-partial-indexes': oidcPartialIndexes,
}

/** Kysely's migration provider over {@link MIGRATIONS}. */
export const migrationProvider: MigrationProvider = {
  /** Every migration this version knows. */
  getMigrations: () => Promise.resolve(MIGRATIONS),
}
