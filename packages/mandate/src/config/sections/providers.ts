import * as z from 'zod'

/** Secret-free client registration fields shared by every provider entry. */
const client = {
  /** The OAuth client id registered at the provider. */
  clientId: z.string().min(1).optional(),
  /** A file holding the client secret (first line); never the secret itself. */
  clientSecretFile: z.string().min(1).optional(),
}

/**
 * Third-party providers `mandate serve` offers for account linking (docs/linking.md): a preset
 * by name, or a full provider definition (RFC 8414 metadata names, validated by the vault's
 * `validateProvider` at start). Providers registered with `mandate providers add` are added.
 */
export const providersSection = z
  .array(
    z.union([
      z.strictObject({ preset: z.string().min(1), ...client }),
      z.strictObject({
        definition: z.looseObject({
          id: z.string().min(1),
          kind: z.enum(['oauth2', 'oidc', 'api_key']),
          display_name: z.string().min(1),
        }),
        ...client,
      }),
    ]),
  )
  .default([])
