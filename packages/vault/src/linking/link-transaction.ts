/**
 * The provider leg of one account-linking attempt, to keep server-side with the pending link
 * (bound to the user's `sub`, never sent to the browser). `sealed` is vault-encrypted and bound
 * to the user, the provider and `state`, so it cannot be replayed for another user.
 */
export interface LinkTransaction {
  provider: string
  /** The OAuth `state` sent to the provider; also the key to find the transaction on callback. */
  state: string
  expires_at: number
  sealed: string
}

/** The encrypted part of a {@link LinkTransaction}. */
export interface LinkTransactionSecret {
  code_verifier?: string
  nonce?: string
  redirect_uri: string
  scopes: string[]
}
