// Audit events emitted by the authorization server. Events never carry a token, code,
// password or key: tokens are named by a non-reversible reference (`jti` or grant id).

interface AuditBase {
  /** ISO 8601 time of the event. */
  time: string
  /** Issuer of the authorization server that emitted the event. */
  issuer: string
}

export type AuthMethod = 'pwd' | 'otp' | 'recovery' | 'upstream'

export type AuditEvent = AuditBase &
  (
    | { type: 'login.succeeded'; sub: string; amr: AuthMethod[]; acr: string }
    | {
        type: 'login.failed'
        username?: string
        reason: 'invalid' | 'locked' | 'disabled' | 'upstream'
      }
    | { type: 'mfa.enrolled'; sub: string }
    | { type: 'mfa.succeeded'; sub: string; method: 'otp' | 'recovery' }
    | { type: 'mfa.failed'; sub: string }
    | { type: 'mfa.disabled'; sub: string; method: 'otp' | 'recovery' }
    | { type: 'mfa.recovery_regenerated'; sub: string }
    | {
        type: 'consent.granted'
        sub: string
        client_id: string
        grant_id: string
        scope: string
        resource?: string[]
      }
    | { type: 'consent.revoked'; sub: string; client_id: string; grant_id: string }
    | {
        type: 'token.issued'
        sub?: string
        client_id: string
        grant_id?: string
        jti?: string
        aud?: string | string[]
        scope?: string
        grant_type: string
      }
    | { type: 'token.refreshed'; sub?: string; client_id: string; grant_id?: string }
    | { type: 'token.revoked'; client_id: string; grant_id?: string; token_type: string }
    | {
        type: 'token.reuse_detected'
        client_id: string
        grant_id?: string
        token_type: 'authorization_code' | 'refresh_token'
      }
    | {
        type: 'token.exchanged'
        sub: string
        client_id: string
        aud: string
        act: Record<string, unknown>
        scope: string
      }
    | { type: 'client.registered'; client_id: string; method: 'dcr' | 'cimd'; client_name?: string }
  )

export type AuditEventType = AuditEvent['type']

/** Where audit events go; injected by the host (a later issue chains them tamper-evidently). */
export type AuditSink = (event: AuditEvent) => void | Promise<void>
