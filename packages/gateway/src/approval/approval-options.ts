import type { ConnectRequest } from '@mandate/server/linking'

/** The person signed in in this browser: who, and how (`amr` of the sign-in session). */
export interface ApprovalBrowserUser {
  sub: string
  /** Authentication methods of the browser session (`otp`, `recovery`: a second factor). */
  amr: readonly string[]
}

/** What the `approve` policy action needs: where its pages live and who is signed in there. */
export interface ApprovalOptions {
  /** The public origin the approval URLs are on (`<baseUrl><path>/<id>`). */
  baseUrl: string
  /** Where the approval routes are mounted. Default `/gateway/approve`. */
  path?: string
  /** Who is signed in in this browser (the authorization server's session), or undefined. */
  signedInUser: (c: ConnectRequest) => Promise<ApprovalBrowserUser | undefined>
  /** Where a signed-out browser signs in; it must come back to `returnTo`. */
  signInUrl: (returnTo: string) => string
  /** How long the person has to decide, and the decision to be used. Default 10 minutes. */
  ttlMs?: number
  now?: () => number
}

/** Approval options with defaults applied. */
export interface ApprovalConfig extends Required<Omit<ApprovalOptions, 'now'>> {
  now: () => number
}

/** Defaults: `/gateway/approve`, ten minutes, the wall clock. */
export function approvalConfig(options: ApprovalOptions): ApprovalConfig {
  return {
    ...options,
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    path: options.path ?? '/gateway/approve',
    ttlMs: options.ttlMs ?? 600_000,
    now: options.now ?? Date.now,
  }
}
