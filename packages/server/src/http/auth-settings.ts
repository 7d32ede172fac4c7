import type { Logger } from '@mandate/core'
import type { DpopNonces } from '../dpop/dpop-nonces.ts'
import type { McpIdentity } from '../identity.ts'
import type { RevocationListener } from '../verify/revocation-listener.ts'
import type { TokenVerifier } from '../verify/verified-token.ts'
import type { ChallengeContext } from './challenges.ts'
import type { Refusal } from './refusal.ts'

/** What authenticating a request needs, resolved once per endpoint. */
export interface AuthSettings {
  verifier: TokenVerifier
  /** The resource URL, which a DPoP proof's `htu` must name. */
  resource: string
  challenge: ChallengeContext
  dpop: {
    required: boolean
    algorithms: readonly string[]
    maxAgeSeconds: number
    clockToleranceSeconds: number
    nonces: DpopNonces | undefined
    replay: (key: string, ttlMs: number) => Promise<boolean>
  }
  revocations: RevocationListener | undefined
  logger: Logger
  /** The clock of the DPoP checks, ms since the epoch. */
  now: () => number
}

/** A request whose token (and proof) were accepted. */
export interface Authenticated {
  identity: McpIdentity
  dpopNonce: string | undefined
  /** Whether the token was revoked since (a long-lived response re-checks on each event). */
  readonly revoked: () => boolean
}

/** A request refused at authentication: why (logs, audit) and the challenge to answer with. */
export interface AuthRefused {
  readonly refusal: Refusal
  readonly response: Response
}

/** The credentials of an `Authorization` header. */
export interface Credentials {
  readonly scheme: 'bearer' | 'dpop'
  readonly token: string
}
