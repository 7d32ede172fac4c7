import { isLoopbackHost } from '@mandate/core'

/** Longer URLs are refused: an elicitation URL is an address to open, not a payload. */
const MAX_URL_LENGTH = 2048

/**
 * Whether an upstream's URL-elicitation URL may be shown to the person. The gateway passes the
 * string on unchanged (never rewritten: the person sees what the upstream sent), so the raw
 * string is what is checked:
 * - `https` only; plain `http` only to this machine (catalogue #185; MCP client/elicitation
 *   "Safe URL Handling": SHOULD use HTTPS). `javascript:`, `data:`, `file:` and every other
 *   scheme are refused: a client that opens one runs or shows content of the upstream's choice;
 * - no user-info (`https://bank.example@evil.example/` misleads the person about the host) and
 *   no credentials in the URL (catalogue #178);
 * - no whitespace or control characters, which URL parsers drop silently (the URL a client
 *   opens would differ from the string it showed), and a bounded length.
 */
export function isSafeElicitationUrl(raw: unknown): raw is string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_URL_LENGTH) return false
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (/[\s\u0000-\u001f\u007f]/.test(raw)) return false
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return false
  }
  if (url.username !== '' || url.password !== '') return false
  if (url.protocol === 'https:') return url.hostname !== ''
  return url.protocol === 'http:' && isLoopbackHost(url.hostname)
}
