// Hostile redirects (issue 11 defect 7, catalogue #4, #5; RFC 9700 §4.11.2): the authorization
// endpoint must not send a browser to a site anyone registered. Errors raised before the user
// signed in are shown on our page for DCR/CIMD clients (naming the client's host), unless the
// redirect URI is on loopback or an allow-listed host; operator-configured clients keep the
// RFC 6749 §4.1.2.1 error redirect. A redirect URI that is not registered never gets one.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:https'
import type { Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sqliteBackend } from '../../../test/support/stores.ts'
import type { Store } from '@mandate/store'
import { PASSWORD, REDIRECT_URI, RESOURCE, startServer } from './support/harness.ts'
import type { Harness } from './support/harness.ts'
import { BrowserAgent, parseForm } from './support/browser-agent.ts'
import { serverOptions } from './support/server-options.ts'

const EVIL = 'https://evil.example/cb'
const TRUSTED = 'https://app.trusted.example/cb'
const OPERATOR_WEB = 'operator-web'
const OPERATOR_URI = 'https://app.example.test/cb'
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'

const dir = mkdtempSync(join(tmpdir(), 'mandate-redirects-'))
execFileSync(
  'openssl',
  ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1']
    .concat(['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'])
    .concat(['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]),
  { stdio: 'ignore' },
)
const cert = readFileSync(join(dir, 'cert.pem'), 'utf8')

// Each malformed request, as a change to a valid one.
const MALFORMED: Record<string, (p: URLSearchParams) => void> = {
  'no code_challenge': (p) => {
    p.delete('code_challenge')
    p.delete('code_challenge_method')
  },
  'plain PKCE method': (p) => {
    p.set('code_challenge_method', 'plain')
  },
  'unknown resource': (p) => {
    p.set('resource', 'https://unknown.example/mcp')
  },
  'prompt=none': (p) => {
    p.set('prompt', 'none')
  },
  'bad scope': (p) => {
    p.set('scope', 'tools:read "quoted"')
  },
  'bad response_type': (p) => {
    p.set('response_type', 'token')
  },
}

void describe('hostile redirects (defect 7)', () => {
  const backend = sqliteBackend()
  let store: Store
  let h: Harness
  let documents: Server
  let cimdClient = ''
  const registered = new Map<string, string>()

  const register = async (redirectUri: string): Promise<{ status: number; id: string }> => {
    const response = await fetch(h.as.registration_endpoint ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: `client for ${redirectUri.slice(0, 40)}`,
        redirect_uris: [redirectUri],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        application_type: redirectUri.startsWith('https:') ? 'web' : 'native',
      }),
    })
    const body = (await response.json()) as { client_id?: string }
    return { status: response.status, id: body.client_id ?? '' }
  }
  const params = (clientId: string, redirectUri: string): URLSearchParams =>
    new URLSearchParams({
      client_id: clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'tools:read',
      resource: RESOURCE,
      state: 'st',
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
    })
  const get = async (search: URLSearchParams) => {
    const response = await fetch(`${h.as.authorization_endpoint ?? ''}?${search.toString()}`, {
      redirect: 'manual',
    })
    return {
      status: response.status,
      location: response.headers.get('location'),
      html: await response.text(),
    }
  }

  before(async () => {
    documents = createServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          client_id: cimdClient,
          client_name: 'CIMD client',
          redirect_uris: [EVIL],
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code'],
          response_types: ['code'],
        }),
      )
    })
    await new Promise<void>((resolve) => documents.listen(0, '127.0.0.1', resolve))
    cimdClient = `https://127.0.0.1:${String((documents.address() as AddressInfo).port)}/client.json`
    store = await backend.open({ migrate: true })
    h = await startServer(store, (issuer) => ({
      allowPrivateCimdHosts: true,
      cimdCa: cert,
      errorRedirectDomains: ['trusted.example'],
      clients: [
        ...(serverOptions(issuer, store).clients ?? []),
        {
          client_id: OPERATOR_WEB,
          application_type: 'web',
          redirect_uris: [OPERATOR_URI],
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code'],
          response_types: ['code'],
        },
      ],
    }))
    for (const uri of [EVIL, TRUSTED, REDIRECT_URI]) {
      const result = await register(uri)
      assert.equal(result.status, 201)
      registered.set(uri, result.id)
    }
  })
  after(async () => {
    await h.close()
    await store.close()
    await backend.cleanup()
    documents.closeAllConnections()
    await new Promise((resolve) => documents.close(resolve))
    rmSync(dir, { recursive: true, force: true })
  })

  for (const [name, spoil] of Object.entries(MALFORMED)) {
    void it(`defect 7: ${name} from a DCR client → 400 page naming its host, no redirect`, async () => {
      const search = params(registered.get(EVIL) ?? '', EVIL)
      spoil(search)
      const answer = await get(search)
      assert.equal(answer.status, 400)
      assert.equal(answer.location, null)
      assert.match(answer.html, /data-testid="client-host">evil\.example</)
    })

    void it(`positive control: ${name} from an operator client → 303 to its redirect_uri with error`, async () => {
      const search = params(OPERATOR_WEB, OPERATOR_URI)
      spoil(search)
      const answer = await get(search)
      assert.equal(answer.status, 303)
      const location = new URL(answer.location ?? '')
      assert.equal(`${location.origin}${location.pathname}`, OPERATOR_URI)
      // response_type=token answers in the fragment (its default response mode).
      const answered =
        location.hash === '' ? location.searchParams : new URLSearchParams(location.hash.slice(1))
      assert.ok(answered.get('error'))
      assert.equal(answered.get('state'), 'st')
    })
  }

  void it('defect 7: a CIMD client’s error is shown on our page, naming its client_id host', async () => {
    const search = params(cimdClient, EVIL)
    search.set('prompt', 'none')
    const answer = await get(search)
    assert.equal(answer.status, 400)
    assert.equal(answer.location, null)
    assert.match(answer.html, new RegExp(`data-testid="client-host">${new URL(cimdClient).host}<`))
  })

  void it('positive control: a DCR client on loopback or an allow-listed host gets its error redirect', async () => {
    for (const uri of [REDIRECT_URI, TRUSTED]) {
      const search = params(registered.get(uri) ?? '', uri)
      search.delete('code_challenge')
      const answer = await get(search)
      assert.equal(answer.status, 303, uri)
      assert.ok(answer.location?.startsWith(`${uri}?error=`), uri)
    }
  })

  void it('catalogue #4: redirect_uri variations of a registered one never get a redirect', async () => {
    const variants = [
      'https://evil.example:444/cb',
      'https://evil.example/cb/',
      'https://evil.example/CB',
      'https://EVIL.example/cb',
      'https://evil.example/cb#frag',
      'https://user@evil.example/cb',
      'https://evil.example/c%62',
      'https://evil.example/cb?x=1',
      'https://evil.example%2F@attacker.example/cb',
      'http://evil.example/cb',
      'javascript:alert(1)//evil.example/cb',
      'data:text/html,<script>alert(1)</script>',
    ]
    for (const [clientId, registeredUri] of [
      [registered.get(EVIL) ?? '', EVIL],
      [OPERATOR_WEB, OPERATOR_URI],
    ] as const) {
      for (const variant of variants.map((v) =>
        v.replace('https://evil.example', new URL(registeredUri).origin),
      )) {
        const search = params(clientId, variant)
        search.delete('code_challenge') // an error that would be redirected if the URI were good
        const answer = await get(search)
        assert.equal(answer.location, null, `${clientId} ${variant}`)
        assert.equal(answer.status, 400, variant)
        assert.match(answer.html, /redirect_uri/, variant)
      }
    }
  })

  void it('catalogue #3: DCR refuses javascript:, data: and fragment redirect URIs', async () => {
    for (const uri of [
      'javascript:alert(1)',
      'data:text/html,x',
      'https://evil.example/cb#x',
      'http://evil.example/cb',
    ]) {
      assert.equal((await register(uri)).status, 400, uri)
    }
  })

  void it('after sign-in: a denied consent returns to the registered URI (RFC 6749 §4.1.2.1)', async () => {
    const agent = new BrowserAgent()
    const search = params(registered.get(EVIL) ?? '', EVIL)
    let step = await agent.follow(`${h.as.authorization_endpoint ?? ''}?${search.toString()}`, EVIL)
    const login = parseForm(step.html ?? '', '/login')
    step = await agent.follow(new URL(login.action, h.issuer).href, EVIL, {
      form: { ...login.fields, username: 'alice', password: PASSWORD },
    })
    // The consent page names where the browser will go back to before anything is sent there.
    assert.match(step.html ?? '', /data-testid="redirect-host">evil\.example</)
    const abort = parseForm(step.html ?? '', '/abort')
    step = await agent.follow(new URL(abort.action, h.issuer).href, EVIL, { form: abort.fields })
    const location = new URL(step.location ?? '')
    assert.equal(`${location.origin}${location.pathname}`, EVIL)
    assert.equal(location.searchParams.get('error'), 'access_denied')
  })
})
