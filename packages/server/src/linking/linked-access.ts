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
