// End to end with the v1 SDK (`@modelcontextprotocol/sdk`) as hosts use it today: their own
// OAuthClientProvider (in memory here), the SDK's auth() on the 401 (discovery, DCR, PKCE,
// resource), UnauthorizedError, the person in Chromium, finishAuth with the code from the
// host's loopback listener, then a new transport. Against a real `mandate serve` process.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js'
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js'
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js'
import type { MandateProcess } from './support/mandate-e2e.ts'
import { addUsers, BrowserUser, chromiumSkip, startServe, tempDir } from './support/mandate-e2e.ts'

/** The host's callback listener (RFC 8252 §7.3) and an in-memory OAuthClientProvider. */
class HostProvider implements OAuthClientProvider {
  private info: OAuthClientInformationMixed | undefined
  private saved: OAuthTokens | undefined
  private verifier = ''
  private expectedState = ''
  browser: Promise<void> | undefined
  readonly redirects: URL[] = []
  private readonly callbackUrl: string
  private readonly user: BrowserUser
  constructor(callbackUrl: string, user: BrowserUser) {
    this.callbackUrl = callbackUrl
    this.user = user
  }
  get redirectUrl(): string {
    return this.callbackUrl
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'v1 SDK e2e host',
      redirect_uris: [this.callbackUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    }
  }
  state(): string {
    this.expectedState = randomBytes(32).toString('base64url')
    return this.expectedState
  }
  checkState(state: string | null): void {
    assert.equal(state, this.expectedState, 'state matches')
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
    this.browser = this.user.authorize(url, this.callbackUrl)
  }
  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier
  }
  codeVerifier(): string {
    return this.verifier
  }
}

void describe(
  'mandate serve + v1 SDK client with its own OAuth provider',
  { skip: chromiumSkip },
  () => {
    const dir = tempDir('mandate-e2e-v1-')
    let serve: MandateProcess
    const user = new BrowserUser('erin')
    let callback: ReturnType<typeof createServer>
    let callbackUrl = ''
    let lastCallback: URLSearchParams | undefined

    before(async () => {
      const dataDir = ['--data-dir', dir.path]
      await addUsers(dataDir, ['erin'])
      serve = await startServe(dataDir)
      await user.open()
      callback = createServer((req, res) => {
        // Only the callback path (the browser also asks for /favicon.ico).
        const url = new URL(req.url ?? '/', 'http://127.0.0.1')
        if (url.pathname === '/callback') lastCallback = url.searchParams
        res.writeHead(200, { 'content-type': 'text/plain' }).end('done')
      })
      await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve))
      callbackUrl = `http://127.0.0.1:${String((callback.address() as AddressInfo).port)}/callback`
    })
    after(async () => {
      await user.close()
      callback.closeAllConnections()
      await new Promise((resolve) => callback.close(resolve))
      await serve.stop()
      dir.remove()
    })

    it('401 → UnauthorizedError → browser → finishAuth → lists and calls tools', async () => {
      const provider = new HostProvider(callbackUrl, user)
      const first = new StreamableHTTPClientTransport(new URL(serve.mcpUrl), {
        authProvider: provider,
      })
      const client = new Client({ name: 'v1-e2e', version: '0' })
      await assert.rejects(client.connect(first), UnauthorizedError)
      assert.equal(provider.redirects.length, 1)
      const [request] = provider.redirects
      assert.equal(request?.searchParams.get('resource'), serve.mcpUrl)
      assert.equal(request.searchParams.get('code_challenge_method'), 'S256')
      await provider.browser
      assert.ok(lastCallback)
      provider.checkState(lastCallback.get('state'))
      assert.equal(lastCallback.get('iss'), serve.url.origin)
      await first.finishAuth(lastCallback.get('code') ?? '')
      assert.ok(provider.tokens()?.access_token)

      const connected = new Client({ name: 'v1-e2e', version: '0' })
      await connected.connect(
        new StreamableHTTPClientTransport(new URL(serve.mcpUrl), { authProvider: provider }),
      )
      const tools = (await connected.listTools()).tools.map((tool) => tool.name).sort()
      assert.ok(tools.includes('list_notes') && tools.includes('whoami'), tools.join(' '))
      const who = await connected.callTool({ name: 'whoami', arguments: {} })
      const content = who.content as { type: string; text: string }[]
      const identity = JSON.parse(content[0]?.text ?? '{}') as { dpop: boolean; acr: string }
      assert.equal(identity.dpop, false, 'the v1 SDK sends Bearer tokens')
      assert.equal(identity.acr, 'pwd')
      const notes = await connected.callTool({ name: 'list_notes', arguments: {} })
      assert.deepEqual(notes.content, [{ type: 'text', text: '[]' }])
      await connected.close()
    })
  },
)
