/** Progress of the client, for a host to show what it is waiting for and why. */
export type AuthStatus =
  | { type: 'discovering'; serverUrl: string }
  | { type: 'authorization-required'; reason: string; url: URL }
  | { type: 'waiting-for-browser'; reason: string }
  | { type: 'exchanging-code' }
  | { type: 'refreshing' }
  | { type: 'authorized'; issuer: string | undefined; scope: string | undefined }
  | { type: 'step-up'; error: string; scope: string | undefined }
  | { type: 'gave-up'; reason: string }

/** Receives every {@link AuthStatus} change; must not throw. */
export type StatusListener = (status: AuthStatus) => void
