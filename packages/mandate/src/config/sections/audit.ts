import * as z from 'zod'

/** Forwarding of stored events (docs/audit.md, "Forwarding"): best effort, after storing. */
const forwardSection = z
  .strictObject({
    /** RFC 5424 syslog over UDP (RFC 5426) or TCP with octet counting (RFC 6587 §3.4.1). */
    syslog: z
      .strictObject({
        host: z.string().min(1),
        port: z.int().min(1).max(65_535).default(514),
        transport: z.enum(['udp', 'tcp']).default('udp'),
        /** RFC 5424 §6.2.1 facility; 13 is "log audit". */
        facility: z.int().min(0).max(23).default(13),
      })
      .optional(),
    /** OTLP/HTTP logs, JSON encoding (`/v1/logs` when the URL has no path). */
    otlp: z
      .strictObject({
        url: z
          .url({ protocol: /^https?$/ })
          .refine((u) => !/^[a-z]+:\/\/[^/]*@/i.test(u), 'no credentials in the URL'),
        /** Longest an export may take (retries included), ms. */
        timeoutMs: z.int().min(100).max(120_000).default(10_000),
      })
      .optional(),
    /** Events waiting per target at most; beyond, they are dropped and counted. */
    maxQueued: z.int().min(10).max(1_000_000).default(10_000),
  })
  .prefault({})

/** The audit trail (docs/audit.md): storage, fail-closed bounds, checkpoints. */
export const auditSection = z
  .strictObject({
    /** Store audit events (hash-chained) in the database. Default true. */
    enabled: z.boolean().default(true),
    /** Also write each event as a log line. Default true. */
    log: z.boolean().default(true),
    /** This instance's name in every event. Default: the host name and process id. */
    instanceId: z
      .string()
      .regex(/^[\w.:-]{1,100}$/, 'letters, digits, . _ : - (at most 100)')
      .optional(),
    /** Events per database insert. */
    batchSize: z.int().min(1).max(1000).default(200),
    /** Longest an event waits in memory before it is written, ms. */
    flushIntervalMs: z.int().min(1).max(10_000).default(50),
    /** Refuse requests (503) when this many events wait to be stored. */
    maxQueued: z.int().min(10).max(1_000_000).default(10_000),
    /** Refuse requests (503) when the oldest waiting event is this old, ms. */
    failClosedAfterMs: z.int().min(100).max(600_000).default(5_000),
    /** A signed checkpoint after this many events... */
    checkpointEvery: z.int().min(1).max(1_000_000).default(1000),
    /** ...or this long after the last one when events were added, ms. */
    checkpointIntervalMs: z.int().min(1000).max(86_400_000).default(60_000),
    /** Record a SHA-256 of each tool call's arguments (never the arguments). Default false. */
    hashToolArguments: z.boolean().default(false),
    /** `mandate serve` deletes events older than this many days (after a checkpoint). */
    retentionDays: z.int().min(1).max(36_500).optional(),
    /** Copies of every stored event for a SIEM: syslog and/or OTLP (docs/audit.md). */
    forward: forwardSection,
  })
  .prefault({})
