import { parseWwwAuthenticate } from '@mandate/core'

/** The parameters of a Bearer or DPoP challenge that drive authorization and step-up. */
export interface Challenge {
  error?: string
  scope?: string
  resourceMetadataUrl?: URL
  acrValues?: string
  maxAge?: string
}

/** Reads the Bearer or DPoP challenge (RFC 6750 §3, RFC 9449 §7.1, RFC 9470 §3). */
export function readChallenge(response: Response): Challenge {
  const header = response.headers.get('www-authenticate')
  if (header === null) return {}
  let challenges
  try {
    challenges = parseWwwAuthenticate(header)
  } catch {
    return {}
  }
  const found = challenges.find((c) => ['bearer', 'dpop'].includes(c.scheme.toLowerCase()))
  if (found === undefined) return {}
  const p = found.params
  const out: Challenge = {}
  if (p['error'] !== undefined) out.error = p['error']
  if (p['scope'] !== undefined) out.scope = p['scope']
  if (p['acr_values'] !== undefined) out.acrValues = p['acr_values']
  if (p['max_age'] !== undefined && /^\d{1,10}$/.test(p['max_age'])) out.maxAge = p['max_age']
  if (p['resource_metadata'] !== undefined) {
    try {
      out.resourceMetadataUrl = new URL(p['resource_metadata'])
    } catch {
      // ignored: discovery falls back to the well-known locations
    }
  }
  return out
}
