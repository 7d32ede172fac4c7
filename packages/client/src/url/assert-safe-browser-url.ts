import { isLoopbackHost } from '@mandate/core'
import { ClientError } from '../errors.ts'

// Characters a shell, `cmd.exe` or PowerShell would interpret (catalogue #159, CVE-2025-6514). A
// WHATWG-serialised URL percent-encodes most of them; anything left is refused, not escaped.
const SHELL_METACHARACTERS = /[\s"'`$|;<>^\\{}()!]/u
// eslint-disable-next-line no-control-regex -- control characters are exactly what we refuse
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/u

/** Development relaxations of {@link assertSafeBrowserUrl}; off by default. */
export interface SafeBrowserUrlOptions {
  /** Accept `http:` when the host is a loopback address (local development and callbacks). */
  allowLoopbackHttp?: boolean
}

/**
 * Parses a URL that will be shown to a person or handed to a browser and refuses anything but
 * `https:` (or `http:` on loopback when allowed), URLs with credentials, and shell metacharacters
 * in the serialised form (catalogue #159). Returns the parsed URL.
 */
export function assertSafeBrowserUrl(raw: string | URL, options: SafeBrowserUrlOptions = {}): URL {
  const text = String(raw)
  if (CONTROL_CHARACTERS.test(text)) throw unsafe('control characters')
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw unsafe('not a url')
  }
  const loopbackHttp =
    url.protocol === 'http:' && options.allowLoopbackHttp === true && isLoopbackHost(url.hostname)
  if (url.protocol !== 'https:' && !loopbackHttp) throw unsafe(`scheme ${url.protocol} refused`)
  if (url.username !== '' || url.password !== '') throw unsafe('credentials in url')
  if (url.hostname === '') throw unsafe('no host')
  // Both forms: what the server sent and what would be passed on.
  if (SHELL_METACHARACTERS.test(text) || SHELL_METACHARACTERS.test(url.href))
    throw unsafe('shell metacharacters')
  return url
}

function unsafe(reason: string): ClientError {
  return new ClientError('ERR_CLIENT_UNSAFE_URL', `unsafe url: ${reason}`)
}
