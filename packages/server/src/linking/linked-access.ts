/**
 * Third-party access a tool declares: a provider of the vault's catalog and the scopes it needs
 * there. A tool may declare several; the vault refuses every provider it did not declare
 * (catalogue #200).
 */
export interface LinkedAccess {
  provider: string
  scopes?: readonly string[]
  /** A specific account at the provider; default: the user's default account. */
  account?: string
}

/** Declares a tool's third-party access (typed, frozen, checked once at module load). */
export function declareLinkedAccess(...access: LinkedAccess[]): readonly LinkedAccess[] {
  if (access.length === 0) throw new TypeError('declare at least one provider')
  return Object.freeze(access.map((a) => Object.freeze({ ...a, scopes: [...(a.scopes ?? [])] })))
}
