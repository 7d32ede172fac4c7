// Audit events emitted by the authorization server. Events never carry a token, code,
// password or key: tokens are named by a non-reversible reference (`jti` or grant id).

interface AuditBase extends AuditContext {
  /** ISO 8601 time of the event. */
  time: string
  /** Issuer of the authorization server that emitted the event. */
  issuer: string
}

/** What a decision concluded; `recorded` for facts that are not decisions (docs/audit.md). */
export type AuditOutcome = 'success' | 'failure' | 'allowed' | 'denied' | 'recorded'

/**
 * The attribution every stored event can carry (issue 14), filled by whoever knows it: the
 * emitter (sub, client, scopes) or the host (source address, user agent, request id, instance).
 */
export interface AuditContext {
  outcome?: AuditOutcome
  user_name?: string
  client_name?: string
  /** RFC 8693 §4.1 `act` chain, most recent actor outermost (user → client → gateway …). */
  act?: Record<string, unknown>
  tool?: string
  /** The MCP server (resource URI) a tool call or token was for. */
  server?: string
  scope_requested?: string
  scope_granted?: string
  acr?: string
  amr?: string[]
  ip?: string
  user_agent?: string
  request_id?: string
  instance_id?: string
}

/** How a person signed in, as a login event's `amr` records it: password, one-time code, recovery code or upstream IdP. */
export type AuthMethod = 'pwd' | 'otp' | 'recovery' | 'upstream'

/** One audit event as emitted: the common context plus the fields of its type (docs/audit.md). */
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
        /** `machine` when no person is behind the token (client credentials). */
        principal?: 'machine'
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
    | {
        type: 'account.changed'
        sub: string
        action: 'password_changed' | 'signed_out' | 'sessions_ended'
      }
    | {
        /**
         * A console operation with no typed event of its own (provider add, remove and test,
         * audit export), or a console request of a signed-in user that was refused (outcome
         * `denied`, with the reason). Changes with a typed event (`user.*`, `client.*`,
         * `grant.revoked`) are recorded as that event only.
         */
        type: 'admin.action'
        sub: string
        /** The console route, e.g. `providers.add`, `users.disable`. */
        action: string
        target?: string
        reason?: 'not_operator' | 'mfa_not_enrolled' | 'mfa_not_used' | 'form_expired'
      }
    | OperatorAuditEvent
    | {
        /** A verified CAEP SET from the upstream IdP (RFC 8417, RFC 8935); `sub` when it matched. */
        type: 'upstream.security_event'
        actor: 'upstream'
        upstream: string
        /** The CAEP event name, e.g. `session-revoked`, `credential-change`. */
        event: string
        /** The SET's `jti` (RFC 8417 §2.2): the sender's identifier of the event. */
        set_jti: string
        sub?: string
        /** True when a linked local user lost their grants, sessions and tokens. */
        applied: boolean
      }
    | McpAuditEvent
  )

/**
 * Who made an operator change: `cli` (a `mandate` command on the server's host) or `console`
 * (an operator at /admin, whose id is the event's `sub`).
 */
export type OperatorActor = 'cli' | 'console'

/**
 * Operator changes that revoke (docs/revocation.md): a client disabled, re-enabled or deleted,
 * a grant revoked, a signing key withdrawn, a local account changed. They carry identifiers and counts only, never a secret.
 */
export type OperatorAuditEvent =
  | {
      type: 'client.disabled' | 'client.deleted'
      actor: OperatorActor
      sub?: string
      client_id: string
      /** Grants of the client that ended (their refresh tokens and codes with them). */
      grants_ended: number
    }
  | { type: 'client.enabled'; actor: OperatorActor; sub?: string; client_id: string }
  | {
      /** An operator revoked a user's grant (`mandate grants revoke`, the console's *Revoke*). */
      type: 'grant.revoked'
      actor: OperatorActor
      sub?: string
      /** The grant's user and client; `grant_id` as `consent.revoked` names it. */
      user_id: string
      client_id: string
      grant_id: string
    }
  | {
      type: 'signing_key.withdrawn'
      actor: OperatorActor
      sub?: string
      kid: string
      /** A new key was created because no other active key remained. */
      replaced: boolean
    }
  | {
      /**
       * A local account changed by an operator (`mandate users …`): added, disabled, enabled,
       * deleted, its password replaced or its second factor removed; every one but `added`
       * and `enabled` ended the user's grants, sessions and tokens. Never the password.
       */
      type:
        | 'user.added'
        | 'user.disabled'
        | 'user.enabled'
        | 'user.deleted'
        | 'user.password_reset'
        | 'user.mfa_reset'
      actor: OperatorActor
      sub?: string
      /** The account's id and username (`sub` is the console operator, when there is one). */
      user_id: string
      username: string
    }
  | {
      type: 'user.role_granted' | 'user.role_revoked'
      actor: OperatorActor
      sub?: string
      user_id: string
      username: string
      role: string
    }

/**
 * MCP resource-server decisions (`@mandate/server`): one `mcp.tool_call` per `tools/call`
 * message, allowed or denied with the reason; one `mcp.request_refused` per request refused
 * before its body was read (no or bad token, missing scopes). Arguments and results are never
 * stored; `args_sha256` only when the operator opts in.
 */
export type McpAuditEvent =
  | {
      type: 'mcp.tool_call'
      outcome: 'allowed' | 'denied'
      sub: string
      client_id: string
      tool: string
      server: string
      reason?: string
      args_sha256?: string
    }
  | {
      type: 'mcp.request_refused'
      outcome: 'denied'
      server: string
      status: number
      reason: string
      sub?: string
      client_id?: string
    }
  | {
      /** One hop through the gateway (`@mandate/gateway`): decision and credential kind used. */
      type: 'gateway.tool_call'
      outcome: 'allowed' | 'denied' | 'failure'
      sub: string
      client_id: string
      tool: string
      upstream: string
      server: string
      credential: 'exchange' | 'vault' | 'static' | 'none'
      reason?: string
    }
  | {
      /**
       * The gateway's `approve` policy action: a person was asked to approve one call, approved
       * or denied it, or the call spent the approval. `call_sha256` is the hash the approval is
       * bound to (user, client, upstream, tool, arguments); argument values are never recorded.
       */
      type: 'gateway.approval'
      outcome: 'recorded' | 'allowed' | 'denied'
      step: 'requested' | 'approved' | 'denied' | 'used'
      sub: string
      client_id: string
      tool: string
      upstream: string
      server: string
      call_sha256: string
    }

/** The `type` of every event {@link AuditEvent} can be. */
export type AuditEventType = AuditEvent['type']

/** Where audit events go; injected by the host (`mandate serve` stores and chains them). */
export type AuditSink = (event: AuditEvent) => void | Promise<void>
