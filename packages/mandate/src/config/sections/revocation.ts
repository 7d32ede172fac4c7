import * as z from 'zod'

/**
 * How the MCP servers `mandate serve` mounts (the demo at `/mcp`) follow revocations
 * (docs/revocation.md): how often they read the revocation log besides pub/sub, and how old
 * their last successful read may be before every token is refused (fail closed).
 */
export const revocationSection = z
  .strictObject({
    /** Read the revocation log this often, ms. Default 250 on SQLite, 2000 on PostgreSQL. */
    pollMs: z.int().min(50).max(3_600_000).optional(),
    /** Refuse every token when the last successful read is older than this, ms. */
    staleAfterMs: z.int().min(1000).max(7_200_000).default(10_000),
  })
  .refine((r) => r.pollMs === undefined || r.pollMs < r.staleAfterMs, {
    message: 'pollMs must be below staleAfterMs (otherwise every token is refused between reads)',
  })
  .prefault({})
