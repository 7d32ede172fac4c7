import { createSsrfSafeFetch } from '@mandate/core/node'
import type { DpopSession } from '@modelcontextprotocol/client'
import type { UpstreamCredential } from '../options.ts'
import { hopDpopSession } from './hop-dpop.ts'

const WELL_KNOWN = '/.well-known/oauth-protected-resource'
/** A metadata document that could not be read is asked again after this long. */
const RETRY_MS = 60_000

const decisions = new WeakMap<object, { at: number; dpop: Promise<boolean | undefined> }>()

/**
 * The DPoP key the gateway → upstream hop is bound to, or undefined for a Bearer hop:
 * `dpop: true`, or `dpop: 'auto'` and the upstream's RFC 9728 metadata says
 * `dpop_bound_access_tokens_required: true` or lists `dpop_signing_alg_values_supported`
 * (read once per configured credential, so a reload reads it again).
 */
export async function hopDpopFor(
  credential: UpstreamCredential,
  upstreamUrl: string | undefined,
): Promise<DpopSession | undefined> {
  if (credential.kind !== 'exchange') return undefined
  if (credential.dpop === true) return hopDpopSession(credential)
  if (credential.dpop !== 'auto' || upstreamUrl === undefined) return undefined
  let decision = decisions.get(credential)
  if (decision === undefined || Date.now() - decision.at > RETRY_MS) {
    decision = { at: Date.now(), dpop: readsDpop(upstreamUrl, credential.resource) }
    decisions.set(credential, decision)
    // Only a document that was read stays decided; a failed read is tried again later.
    const pending = decision
    void pending.dpop.then((dpop) => {
      if (dpop !== undefined) pending.at = Infinity
    })
  }
  // Unreadable metadata: a Bearer hop (an upstream that requires DPoP then refuses it, 401).
  return (await decision.dpop) === true ? hopDpopSession(credential) : undefined
}

/**
 * Reads the upstream's protected resource metadata (RFC 9728 §3.1: path-inserted, then the root
 * document as MCP clients do) with the SSRF-safe fetch: no redirect followed, a small body, a
 * time limit, and only the upstream's own host (the operator configured it). A document whose
 * `resource` is neither the upstream's URL nor its resource is not used (RFC 9728 §3.3).
 * Undefined: no document could be read.
 */
async function readsDpop(upstreamUrl: string, resource: string): Promise<boolean | undefined> {
  const url = new URL(upstreamUrl)
  const safeFetch = createSsrfSafeFetch({
    maxResponseBytes: 64 * 1024,
    timeoutMs: 5000,
    dangerouslyAllowHttp: url.protocol === 'http:',
    allowSpecialUseHost: (host) => host === url.hostname.replace(/^\[|\]$/g, '').toLowerCase(),
  })
  const path = url.pathname === '/' ? '' : url.pathname
  for (const candidate of [`${url.origin}${WELL_KNOWN}${path}`, `${url.origin}${WELL_KNOWN}`]) {
    const metadata = await readJson(safeFetch, candidate)
    if (metadata === undefined) continue
    const named = metadata['resource']
    if (named !== upstreamUrl && named !== resource) return false
    const algs = metadata['dpop_signing_alg_values_supported']
    return (
      metadata['dpop_bound_access_tokens_required'] === true ||
      (Array.isArray(algs) && algs.length > 0)
    )
  }
  return undefined
}

async function readJson(
  safeFetch: ReturnType<typeof createSsrfSafeFetch>,
  url: string,
): Promise<Record<string, unknown> | undefined> {
  try {
    const response = await safeFetch(url, { headers: { accept: 'application/json' } })
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined)
      return undefined
    }
    const json = (await response.json()) as unknown
    return typeof json === 'object' && json !== null && !Array.isArray(json)
      ? (json as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}
