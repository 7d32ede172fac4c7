import { LinkingError } from './linking-error.ts'

/**
 * Third-party access a tool declares in `defineTool({ access })`: a provider of the vault's
 * catalog and the scopes it needs there. The declaration is fixed when the tool is defined;
 * at call time the tool may read only what it declared, and the vault refuses every other
 * provider or scope (catalogue #200).
 */
export interface LinkedAccess {
  provider: string
  scopes?: readonly string[]
  /**
   * `true`: the tool can run without this provider, so a user who has not linked it is not asked
   * to (unless the tool names it in `credentials(ctx, { only })`). Default: required.
   */
  optional?: boolean
  /** A specific account at the provider; default: the user's default account. */
  account?: string
}

/** A part of a tool's declaration, read at call time (`credentials(ctx, { only })`). */
export interface AccessRequest {
  provider: string
  /** A subset of the declared scopes; default: every declared scope. */
  scopes?: readonly string[]
}

/**
 * Copies and freezes a declaration, refusing a provider declared twice or without an id: the
 * declaration is what the vault later enforces, so it must be unambiguous.
 * @throws LinkingError `ERR_LINKING_CONFIG`.
 */
export function freezeAccess(access: readonly LinkedAccess[]): readonly LinkedAccess[] {
  const seen = new Set<string>()
  const frozen = access.map((entry) => {
    if (entry.provider === '' || seen.has(entry.provider)) {
      throw new LinkingError(
        'ERR_LINKING_CONFIG',
        `access to provider "${entry.provider}" is declared twice or has no id`,
      )
    }
    seen.add(entry.provider)
    return Object.freeze({
      ...entry,
      scopes: Object.freeze([...(entry.scopes ?? [])]),
    })
  })
  return Object.freeze(frozen)
}
