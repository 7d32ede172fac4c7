import * as z from 'zod'

/** Prometheus metrics on a separate listener (docs/audit.md, "Metrics"). */
export const metricsSection = z
  .strictObject({
    /** Serve `GET /metrics`. Default false. */
    enabled: z.boolean().default(false),
    /** Interface of the metrics listener (never the public one by default). */
    host: z.string().min(1).default('127.0.0.1'),
    /** Port of the metrics listener; 0 picks a free one. */
    port: z.int().min(0).max(65_535).default(9464),
    /** A file whose first line is a bearer token the scraper must send (optional). */
    tokenFile: z.string().min(1).optional(),
  })
  .prefault({})
