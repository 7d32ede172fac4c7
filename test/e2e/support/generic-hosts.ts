// What hosts that know nothing of Mandate bring: an in-memory OAuthClientProvider of the shape
// both SDKs (v1 and v2) take, a loopback callback listener (RFC 8252 §7.3), and a stand-in for
// the desktop's browser launcher that hands the URL a host opens to the test's Chromium.
import { randomBytes } from 'node:crypto'
import { chmodSync, watch, writeFileSync, readFileSync, existsSync } from 'node:fs'
import type { FSWatcher } from 'node:fs'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type {
  OAuthClientProvider,
  OAuthDiscoveryState,
} from '@modelcontextprotocol/sdk/client/auth.js'
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js'
import type { BrowserUser } from './mandate-e2e.ts'

/** A loopback listener for the authorization response; `next()` resolves with its query. */
export class CallbackListener {
  private server: Server | undefined
  private waiting: ((query: URLSearchParams) => void) | undefined
  url = ''

  async open(): Promise<void> {
    this.server = createServer((req, res) => {
      // Only the callback path (the browser also asks for /favicon.ico).
      const url = new URL(req.url ?? '/', 'http://127.0.0.1')
      if (url.pathname === '/callback') this.waiting?.(url.searchParams)
      res.writeHead(200, { 'content-type': 'text/plain' }).end('done')
    })
    const server = this.server
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/callback`
  }

  next(): Promise<URLSearchParams> {
    return new Promise((resolve) => (this.waiting = resolve))
  }

  async close(): Promise<void> {
    const server = this.server
    if (server === undefined) return
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
}

/**
 * The host's own OAuthClientProvider, in memory, as the SDK documentation shows it: DCR with
 * the SDK's discovery, PKCE and `resource`; the person signs in in Chromium.
 */
export class InMemoryHostProvider implements OAuthClientProvider {
  private info: OAuthClientInformationMixed | undefined
  private saved: OAuthTokens | undefined
  private verifier = ''
  private discovery: OAuthDiscoveryState | undefined
  expectedState = ''
  readonly redirects: URL[] = []
  browser: Promise<void> | undefined
  private readonly callback: CallbackListener
  private readonly user: BrowserUser
  private readonly name: string

  constructor(callback: CallbackListener, user: BrowserUser, name: string) {
    this.callback = callback
    this.user = user
    this.name = name
  }
  get redirectUrl(): string {
    return this.callback.url
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.name,
      redirect_uris: [this.callback.url],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    }
  }
  state(): string {
    this.expectedState = randomBytes(32).toString('base64url')
    return this.expectedState
  }
  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.info
  }
  saveClientInformation(info: OAuthClientInformationMixed): void {
    this.info = info
  }
  tokens(): OAuthTokens | undefined {
    return this.saved
  }
  saveTokens(tokens: OAuthTokens): void {
    this.saved = tokens
  }
  redirectToAuthorization(url: URL): void {
    this.redirects.push(url)
    this.browser = this.user.authorize(url, this.callback.url)
  }
  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier
  }
  codeVerifier(): string {
    return this.verifier
  }
  // Kept with the code verifier, so that the callback leg is bound to the same AS (v2 SEP-2352).
  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.discovery = state
  }
  discoveryState(): OAuthDiscoveryState | undefined {
    return this.discovery
  }
}

/**
 * A `BROWSER` launcher (honoured by xdg-open without a desktop, which the `open` package that
 * mcp-remote and the Inspector use runs) that writes the URL to a file the test watches.
 * `env` empties the desktop variables so that xdg-open takes its generic path.
 */
export class BrowserLauncher {
  readonly env: Record<string, string | undefined>
  private readonly file: string
  private watcher: FSWatcher | undefined
  private seen = 0

  constructor(dir: string) {
    this.file = join(dir, 'opened-urls.txt')
    const launcher = join(dir, 'browser-launcher.sh')
    writeFileSync(launcher, '#!/bin/sh\nprintf \'%s\\n\' "$1" >> "$MANDATE_E2E_OPENED"\n')
    chmodSync(launcher, 0o700)
    this.env = {
      BROWSER: launcher,
      MANDATE_E2E_OPENED: this.file,
      DISPLAY: undefined,
      WAYLAND_DISPLAY: undefined,
      XDG_CURRENT_DESKTOP: undefined,
      DESKTOP_SESSION: undefined,
      KDE_FULL_SESSION: undefined,
      GNOME_DESKTOP_SESSION_ID: undefined,
    }
    writeFileSync(this.file, '')
  }

  /** The next URL the host opened (distinct from those seen: openers may retry). */
  next(): Promise<URL> {
    return new Promise((resolve) => {
      const check = (): boolean => {
        if (!existsSync(this.file)) return false
        const lines = readFileSync(this.file, 'utf8').split('\n').filter(Boolean)
        const fresh = [...new Set(lines)].slice(this.seen)
        const [href] = fresh
        if (href === undefined) return false
        this.seen += 1
        this.watcher?.close()
        resolve(new URL(href))
        return true
      }
      if (check()) return
      this.watcher = watch(this.file, () => {
        check()
      })
    })
  }

  close(): void {
    this.watcher?.close()
  }
}
