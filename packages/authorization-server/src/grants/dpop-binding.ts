import type Provider from 'oidc-provider'
import type { KoaContextWithOIDC } from 'oidc-provider'

/** What oidc-provider's own proof check returns: the proof key's RFC 7638 thumbprint. */
interface CheckedProof {
  thumbprint: string
  jti: string
  iat: number
}

interface DpopHelpers {
  default: (provider: Provider, ctx: KoaContextWithOIDC) => Promise<CheckedProof | undefined>
  checkDpopReplay: (
    provider: Provider,
    ctx: KoaContextWithOIDC,
    proof: CheckedProof,
    clientId: string,
  ) => Promise<void>
}

// oidc-provider checks DPoP proofs at the token endpoint for its built-in grants only; a grant
// registered with `registerGrantType` gets the same check (signature, `htm`/`htu`, server nonce
// per the provider's `requireNonce`, `use_dpop_nonce` challenge, replay) from the same helper,
// so that the exchange grant binds exactly like `authorization_code` does.
const HELPERS = 'oidc-provider/lib/helpers/validate_dpop.js'
let helpers: Promise<DpopHelpers> | undefined

/**
 * RFC 9449 §5: the token request's DPoP proof, checked, for a custom grant. Returns the proof
 * key's thumbprint (the token's `cnf.jkt`, §6.1), or undefined when the request carries no
 * proof. A bad proof, a missing or stale nonce, or a replayed `jti` throws the OAuth error
 * oidc-provider answers (`invalid_dpop_proof`, `use_dpop_nonce` with a `DPoP-Nonce` header).
 */
export async function dpopBinding(
  provider: Provider,
  ctx: KoaContextWithOIDC,
  clientId: string,
): Promise<string | undefined> {
  helpers ??= import(HELPERS) as Promise<DpopHelpers>
  const { default: validate, checkDpopReplay } = await helpers
  const proof = await validate(provider, ctx)
  if (proof === undefined) return undefined
  await checkDpopReplay(provider, ctx, proof, clientId)
  return proof.thumbprint
}
