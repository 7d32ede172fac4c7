/** A third-party provider as the console lists it: metadata only, never a secret. */
export interface AdminProviderRow {
  id: string
  name: string
  kind: string
  /** `database`: added in the console or with `mandate providers add`; else the configuration. */
  source: 'database' | 'configuration'
  clientId: string | null
  /** The OAuth client registration: sealed in the vault, missing, or not needed (API keys). */
  registration: 'sealed' | 'missing' | 'not_needed'
}

/** One line of a provider test (`mandate providers test`): never a response body. */
export interface AdminProviderCheck {
  ok: boolean
  what: string
  detail: string
}

/** The console's add form, as the operator filled it in (a preset by id, or a definition). */
export interface AdminProviderInput {
  id: string
  kind: 'preset' | 'oauth2' | 'oidc' | 'api_key'
  displayName?: string
  issuer?: string
  discovery?: boolean
  authorizationEndpoint?: string
  tokenEndpoint?: string
  defaultScopes?: string
  clientId?: string
  /** Sealed in the vault at once; never stored elsewhere, logged or shown again. */
  clientSecret?: string
}

/**
 * The providers section's actions, from the host (`mandate serve` passes the code behind
 * `mandate providers add|list|remove|test`). `add` and `remove` resolve once the change is
 * in force in this process (the host reloads its provider catalog).
 */
export interface AdminProvidersService {
  /** The preset ids `add` accepts without a definition. */
  readonly presets: readonly string[]
  list(): Promise<AdminProviderRow[]>
  /**
   * @throws MandateError (e.g. `ERR_CONFIGURATION`) for an invalid entry; its message never
   *   holds the secret.
   */
  add(input: AdminProviderInput): Promise<{ id: string }>
  /** False when no provider of that id was added (configured ones are changed in the file). */
  remove(id: string): Promise<boolean>
  /** The checks, or undefined for an unknown provider. */
  test(id: string): Promise<AdminProviderCheck[] | undefined>
}
