import type { EventEmitter } from 'node:events'
import { errors } from 'oidc-provider'
import type Provider from 'oidc-provider'
import type { Adapter, KoaContextWithOIDC } from 'oidc-provider'

type AdapterClass = new (name: string) => Adapter

/**
 * The replay of an authorization code or a rotated refresh token (RFC 9700 §4.5, §4.14.2): the
 * grant behind it has been revoked, and the client gets `invalid_grant` like any refused grant.
 * Its type, not its text, tells the audit listeners that this was reuse (`token.reuse_detected`).
 */
export class TokenReuseError extends errors.InvalidGrant {
  declare readonly error: 'invalid_grant'

  constructor() {
    super('grant already used')
  }
}

// Token requests during which oidc-provider revoked the grant (only a replay does that there).
const revokedOnReplay = new WeakSet<object>()

/**
 * oidc-provider revokes the grant when a consumed authorization code or a rotated refresh token
 * comes back (RFC 9700 §4.5, §4.14.2) and emits `grant.revoked` before answering
 * `invalid_grant`; at the token endpoint nothing else revokes a grant. Remembers those requests
 * for {@link isTokenReuse}.
 */
export function watchReplayRevocations(instance: Provider): void {
  // oidc-provider's typed overloads do not cover every event; it is a plain EventEmitter.
  const events = instance as unknown as EventEmitter
  events.on('grant.revoked', (ctx: KoaContextWithOIDC) => {
    if (ctx.oidc.route === 'token') revokedOnReplay.add(ctx)
  })
}

/** Whether a token endpoint error is the replay of a code or refresh token (by type, not text). */
export function isTokenReuse(ctx: KoaContextWithOIDC, error: unknown): boolean {
  return (
    error instanceof TokenReuseError ||
    (error instanceof errors.InvalidGrant && revokedOnReplay.has(ctx))
  )
}

/**
 * The store adapter's `consume` fails with `invalid_grant` exactly when the record was consumed
 * already (a concurrent or replayed use, on any instance) and the grant has been revoked: that
 * failure is raised as a {@link TokenReuseError}, with the same answer on the wire.
 */
export function withTypedReuse(Base: AdapterClass): AdapterClass {
  return class TypedReuseAdapter extends Base {
    override async consume(id: string): Promise<void> {
      try {
        await super.consume(id)
      } catch (error) {
        if (error instanceof errors.InvalidGrant && !(error instanceof TokenReuseError)) {
          throw new TokenReuseError()
        }
        throw error
      }
    }
  }
}
