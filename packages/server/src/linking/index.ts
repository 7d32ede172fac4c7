// `@mandate/server/linking`: the one entry point of account linking (docs/linking.md). A tool
// declares its third-party access in `defineTool({ access })` (`@mandate/server`); this module
// reads it for the tool, asks the user to link what is missing and serves the connect pages.
export { createLinking } from './create-linking.ts'
export type { Linking } from './create-linking.ts'
export type { LinkingOptions } from './linking-options.ts'
export type {
  LinkedAccountOverview,
  LinkingOverview,
  PendingApprovalOverview,
} from './lib/account-overview.ts'
export type { AccountForm } from './lib/account-actions.ts'
export type {
  CredentialsOptions,
  CredentialsOutcome,
  LinkedCredentials,
  ToolLinking,
} from './tool-credentials.ts'
export type { AccessRequest, LinkedAccess } from './linked-access.ts'
export { LINK_COMPLETED_CHANNEL } from './lib/completion-notifications.ts'
export type { LinkCompletedEvent } from './lib/completion-notifications.ts'
export { oidcSessionResolver } from './signed-in-user.ts'
export type { SignedInUserResolver, OidcSessionSource, ConnectRequest } from './signed-in-user.ts'
export { LinkingError } from './linking-error.ts'
export type { LinkingErrorCode } from './linking-error.ts'
