import { canonicalUrl } from '@mandate/core'
import type { Actor } from '../identity.ts'
import { TokenRejectedError } from '../verify/token-rejected-error.ts'
import type { VerifiedToken } from '../verify/verified-token.ts'

type Claims = Record<string, unknown>

const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0
const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

/** Scopes from RFC 9068 `scope` (space-delimited) or the `scp` array some IdPs use. */
export function readScopes(claims: Claims): string[] {
  const { scope, scp } = claims
  if (typeof scope === 'string') return scope.split(' ').filter((s) => s !== '')
  if (Array.isArray(scp) && scp.every((s) => typeof s === 'string')) return scp
  if (typeof scp === 'string') return scp.split(' ').filter((s) => s !== '')
  if (scope !== undefined || scp !== undefined)
    throw new TokenRejectedError('malformed scope claim')
  return []
}

/**
 * The audience check (catalogue #74, #89, #90): `aud` must name exactly this resource, compared
 * in canonical form. A token for several audiences is refused unless allowed explicitly.
 */
export function checkAudience(aud: unknown, resource: string, allowMultiple: boolean): void {
  const list = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : undefined
  if (list === undefined || list.length === 0 || !list.every(str)) {
    throw new TokenRejectedError('token audience missing')
  }
  if (list.length > 1 && !allowMultiple) throw new TokenRejectedError('token has several audiences')
  if (!list.some((a) => canonicalUrl(a) === resource)) {
    throw new TokenRejectedError('token audience is not this resource')
  }
}

/** `cnf` must be an object with exactly one method we know, `jkt` (catalogue #76). */
export function readJkt(cnf: unknown): string | undefined {
  if (cnf === undefined) return undefined
  if (typeof cnf !== 'object' || cnf === null) throw new TokenRejectedError('malformed cnf claim')
  const keys = Object.keys(cnf)
  const jkt = (cnf as Claims)['jkt']
  if (keys.length !== 1 || !str(jkt))
    throw new TokenRejectedError('unsupported confirmation method')
  return jkt
}

function readActor(act: unknown, depth = 0): Actor | undefined {
  if (act === undefined) return undefined
  if (typeof act !== 'object' || act === null || depth > 8) {
    throw new TokenRejectedError('malformed act claim')
  }
  const a = act as Claims
  if (!str(a['sub'])) throw new TokenRejectedError('malformed act claim')
  const actor: Actor = { sub: a['sub'] }
  if (str(a['client_id'])) actor.client_id = a['client_id']
  if (str(a['iss'])) actor.iss = a['iss']
  const inner = readActor(a['act'], depth + 1)
  if (inner !== undefined) actor.act = inner
  return actor
}

/** Maps verified claims to {@link VerifiedToken}, checking types (catalogue #76). */
export function toVerifiedToken(claims: Claims, issuer: string): VerifiedToken {
  const { sub, exp, iat, jti, acr, amr, auth_time: authTime } = claims
  const clientId = claims['client_id'] ?? claims['azp']
  if (!str(sub)) throw new TokenRejectedError('token has no subject')
  if (!str(clientId)) throw new TokenRejectedError('token has no client_id')
  if (!num(exp)) throw new TokenRejectedError('token has no expiry')
  if (iat !== undefined && !num(iat)) throw new TokenRejectedError('malformed iat claim')
  if (jti !== undefined && !str(jti)) throw new TokenRejectedError('malformed jti claim')
  if (acr !== undefined && typeof acr !== 'string')
    throw new TokenRejectedError('malformed acr claim')
  if (amr !== undefined && !(Array.isArray(amr) && amr.every((m) => typeof m === 'string'))) {
    throw new TokenRejectedError('malformed amr claim')
  }
  if (authTime !== undefined && !num(authTime))
    throw new TokenRejectedError('malformed auth_time claim')
  return {
    issuer,
    sub,
    clientId,
    scopes: readScopes(claims),
    expiresAt: exp,
    issuedAt: iat,
    jti,
    acr,
    amr: amr ?? [],
    authTime,
    act: readActor(claims['act']),
    jkt: readJkt(claims['cnf']),
    gid: str(claims['gid']) ? claims['gid'] : undefined,
    principal: claims['mandate_principal'] === 'machine' ? 'machine' : 'person',
  }
}
