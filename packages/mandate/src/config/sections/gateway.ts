import * as z from 'zod'

// The MCP gateway (docs/gateway.md): upstreams, the credential each gets, policy per tool.

const name = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, _ and -')
const scope = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'an RFC 6749 §3.3 scope token')

/** Where a credential goes: a header (HTTP upstreams) or an environment variable (stdio). */
const injection = {
  header: z
    .string()
    .regex(/^[A-Za-z0-9-]+$/, 'an HTTP header name')
    .optional(),
  env: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
    .optional(),
  format: z.string().includes('{token}', { message: 'must contain {token}' }).optional(),
}

/** How an upstream is reached: Streamable HTTP (`url`) or a stdio process per user (`command`). */
export const gatewayTransportSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('http'),
    url: z.url({ protocol: /^https?$/ }),
    headers: z.record(z.string(), z.string()).optional(),
  }),
  z.strictObject({
    type: z.literal('stdio'),
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).optional(),
    cwd: z.string().min(1).optional(),
    /** One process for every user: `static` or `none` credentials only. */
    shared: z.boolean().optional(),
  }),
])

/**
 * The credential an upstream gets per user: none, an RFC 8693 exchanged token, a linked account
 * from the vault, or a static service credential read from a file.
 */
export const gatewayCredentialSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('none') }),
  z.strictObject({
    kind: z.literal('exchange'),
    resource: z.url({ protocol: /^https?$/ }),
    scopes: z.array(scope).min(1),
    ...injection,
    /** More scopes to exchange for when the upstream answers 403 insufficient_scope. */
    stepUpScopes: z.array(scope).optional(),
    /**
     * HTTP upstreams: the token is DPoP-bound to the gateway's key, a proof on every request;
     * `auto`: when the upstream's RFC 9728 metadata asks for or offers DPoP.
     */
    dpop: z.union([z.boolean(), z.literal('auto')]).optional(),
    /** stdio upstreams: the token is the first stdin line (docs/stdio.md), never in `env`. */
    handshake: z.boolean().optional(),
  }),
  z.strictObject({
    kind: z.literal('vault'),
    provider: z.string().min(1),
    scopes: z.array(z.string().min(1)).optional(),
    /** More scopes to re-link with when the upstream answers 403 insufficient_scope. */
    stepUpScopes: z.array(z.string().min(1)).optional(),
    ...injection,
  }),
  z.strictObject({
    kind: z.literal('static'),
    /** A file holding the service credential (first line); never the credential itself. */
    valueFile: z.string().min(1),
    ...injection,
  }),
])

/**
 * One policy rule: tools, allow, deny or approve (with `mfa` for the approver), required
 * scopes, `acr`, sign-in age, a CEL condition.
 */
export const gatewayRuleSchema = z.strictObject({
  tools: z.array(z.string().min(1)).optional(),
  action: z.enum(['allow', 'deny', 'approve']),
  mfa: z.boolean().optional(),
  scopes: z.array(scope).optional(),
  acr: z.array(z.string().min(1)).optional(),
  maxAgeSeconds: z.int().min(0).optional(),
  when: z.string().min(1).optional(),
})

/** One upstream MCP server of the gateway: name, tool prefix, transport, credential, policy. */
export const gatewayUpstreamSchema = z.strictObject({
  name,
  prefix: z
    .string()
    .regex(/^[\w.-]{1,64}$/, 'letters, digits, _ . -')
    .optional(),
  transport: gatewayTransportSchema,
  credential: gatewayCredentialSchema.default({ kind: 'none' }),
  policy: z.array(gatewayRuleSchema).default([]),
})

/**
 * `mandate gateway` alone follows the authorization server's signed HTTP revocation feed
 * (`GET /oauth/revocations`) as its client `clientId`; under `mandate serve` the gateway reads
 * the store instead and these keys are ignored. Turning the feed off is explicit: revoked
 * tokens then work at the gateway until they expire.
 */
export const gatewayRevocationSchema = z
  .strictObject({
    /** Read the feed. Default true: a gateway that cannot read it refuses every token. */
    feed: z.boolean().default(true),
    /** The feed (default: `mandate_revocation_feed_endpoint` of the issuer's metadata). */
    feedUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** How long the AS may hold an empty answer (long poll), seconds. */
    waitSeconds: z.int().min(0).max(10).default(4),
    /** Refuse every token when the last verified feed page is older than this, ms. */
    staleAfterMs: z.int().min(1000).max(7_200_000).default(10_000),
  })
  .refine((r) => r.waitSeconds * 1000 < r.staleAfterMs, {
    message:
      'waitSeconds must be below staleAfterMs (otherwise every token is refused between reads)',
  })
  .prefault({})

/** The `gateway` section: the gateway in `mandate serve`, or `mandate gateway` alone. */
export const gatewaySection = z
  .strictObject({
    /** Serve the gateway from `mandate serve` at `path`. Default false. */
    enabled: z.boolean().default(false),
    /** Path of the gateway's MCP endpoint on the public URL. */
    path: z
      .string()
      .regex(/^\/[\w/-]*[\w-]$/, 'an absolute path such as /gateway/mcp')
      .default('/gateway/mcp'),
    /** Scopes of the gateway resource (the scopes of exchange upstreams are added). */
    scopes: z.array(scope).default(['gateway']),
    /** The gateway's confidential client at the authorization server (RFC 8693 actor). */
    clientId: z.string().min(1).default('mandate-gateway'),
    /** `mandate gateway` alone: the authorization server's issuer. */
    issuer: z.url({ protocol: /^https?$/ }).optional(),
    /** `mandate gateway` alone: the token endpoint (default: from the issuer's metadata). */
    tokenEndpoint: z.url({ protocol: /^https?$/ }).optional(),
    /** `mandate gateway` alone: a file holding the client secret (first line). */
    clientSecretFile: z.string().min(1).optional(),
    /** Idle per-user upstream sessions close after this long, ms. */
    sessionIdleMs: z.int().min(1000).max(86_400_000).default(300_000),
    /** At most this many per-user upstream sessions (connections, processes) at once. */
    maxSessions: z.int().min(1).max(1_000_000).default(1000),
    /** `mandate gateway` alone: how it follows the AS's revocations (docs/revocation.md). */
    revocation: gatewayRevocationSchema,
    upstreams: z.array(gatewayUpstreamSchema).default([]),
  })
  .prefault({})
