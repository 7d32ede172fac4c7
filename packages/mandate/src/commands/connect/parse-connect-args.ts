import { homedir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'

import { ConfigurationError } from '@mandate/core'

/** The arguments of `mandate connect`, checked (https unless --allow-loopback). */
export interface ConnectArgs {
  url: string
  /** Print the authorization URL instead of opening a browser. */
  noBrowser: boolean
  /** Encrypted credential file; `memory` keeps nothing. */
  store: string
  allowLoopback: boolean
  clientMetadataUrl?: string
  allowDomains: string[]
  denyDomains: string[]
  dpop: 'auto' | 'off' | 'require'
}

/** `mandate connect --help`. */
export const CONNECT_USAGE = `Usage: mandate connect <mcp-server-url> [flags]

Connects to an MCP server, signs in with OAuth in your browser, lists its tools and lets you
call them. Commands at the prompt: tools, call <tool> [json-arguments], help, quit.

Flags:
  --no-browser                 print the sign-in URL instead of opening a browser
  --store <file|memory>        encrypted credential file (default ~/.config/mandate/client-credentials.enc)
  --client-metadata-url <url>  this host's Client ID Metadata Document (https)
  --allow-domain <host>        allow URL elicitations to this host (*.example.com for subdomains)
  --deny-domain <host>         never open links to this host
  --dpop <auto|off|require>    DPoP sender-constrained tokens (default auto)
  --allow-loopback             development only: allow http://127.0.0.1 servers and links`

/**
 * Where `mandate connect` and `mandate run` keep credentials: under `$XDG_CONFIG_HOME`
 * (default `~/.config`), `mandate/client-credentials.enc`, encrypted.
 */
export function defaultStorePath(env: Readonly<Record<string, string | undefined>>): string {
  const base = env['XDG_CONFIG_HOME'] ?? join(homedir(), '.config')
  return join(base, 'mandate', 'client-credentials.enc')
}

/**
 * Parses and checks `mandate connect` arguments.
 * @throws ConfigurationError for a missing or non-https URL, an extra argument or a bad --dpop.
 */
export function parseConnectArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ConnectArgs {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      'no-browser': { type: 'boolean', default: false },
      store: { type: 'string' },
      'allow-loopback': { type: 'boolean', default: false },
      'client-metadata-url': { type: 'string' },
      'allow-domain': { type: 'string', multiple: true, default: [] },
      'deny-domain': { type: 'string', multiple: true, default: [] },
      dpop: { type: 'string', default: 'auto' },
    },
  })
  const [url, extra] = positionals
  if (url === undefined) throw new ConfigurationError('url', 'missing the MCP server URL')
  if (extra !== undefined)
    throw new ConfigurationError('arguments', `unexpected argument "${extra}"`)
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new ConfigurationError('url', 'not a URL')
  }
  if (parsed.protocol !== 'https:' && !(values['allow-loopback'] && parsed.protocol === 'http:')) {
    throw new ConfigurationError(
      'url',
      'the server URL must be https (or use --allow-loopback for local http)',
    )
  }
  const dpop = values.dpop
  if (dpop !== 'auto' && dpop !== 'off' && dpop !== 'require') {
    throw new ConfigurationError('dpop', 'must be auto, off or require')
  }
  return {
    url: parsed.href,
    noBrowser: values['no-browser'],
    store: values.store ?? defaultStorePath(env),
    allowLoopback: values['allow-loopback'],
    ...(values['client-metadata-url'] === undefined
      ? {}
      : { clientMetadataUrl: values['client-metadata-url'] }),
    allowDomains: values['allow-domain'],
    denyDomains: values['deny-domain'],
    dpop,
  }
}
