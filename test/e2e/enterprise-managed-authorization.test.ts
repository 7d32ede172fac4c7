// Enterprise-Managed Authorization end to end (issue 17): one Mandate authorization server is
// the enterprise IdP, another is the MCP server's authorization server. Alice signs in at the
// IdP once; the SDK v2 client with @mandate/client trades her ID token for an ID-JAG (RFC 8693)
// and redeems it (RFC 7523) at the notes server's AS, then calls a tool: no browser step, no
// consent screen. The IdP's policy then removes her access and the next exchange is refused;
// replayed, mis-audienced, wrong-client and wrong-type assertions are refused.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import * as oauth from 'oauth4webapi'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { createEnterpriseAuth } from '@mandate/client'
import { createNotesServer } from '@mandate/example-notes-server'
import { createNodeHandler } from '@mandate/server'
import type { Store } from '@mandate/store'
import type { AuthorizationServerOptions, ResourceApplication } from '@mandate/authorization-server'
import type { ClientMetadata } from 'oidc-provider'
import { sqliteBackend } from '../support/stores.ts'
import {
  authorize,
  basic,
  insecure,
  PUBLIC_CLIENT,
  redeem as redeemCode,
  REDIRECT_URI,
  startServer,
  tokenRequest,
} from '../../packages/authorization-server/test/support/harness.ts'
import type { Harness } from '../../packages/authorization-server/test/support/harness.ts'
import { serverOptions } from '../../packages/authorization-server/test/support/server-options.ts'

const IDP_CLIENT = {
  clientId: 'ent-agent',
  clientSecret: 'ent-agent-secret-0123456789abcdef012345',
}
const RAS_CLIENT = {
  clientId: 'notes-agent',
  clientSecret: 'notes-agent-secret-0123456789abcdef0123',
}
const OTHER_CLIENT = {
  clientId: 'other-agent',
  clientSecret: 'other-agent-secret-0123456789abcdef012',
}
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
const ELSEWHERE = 'https://other-as.example.test'

const confidential = (
  client: { clientId: string; clientSecret: string },
  grants: string[],
): ClientMetadata => ({
  client_id: client.clientId,
  client_secret: client.clientSecret,
  token_endpoint_auth_method: 'client_secret_basic',
  grant_types: grants,
  response_types: grants.includes('authorization_code') ? ['code'] : [],
  redirect_uris: grants.includes('authorization_code') ? [REDIRECT_URI] : [],
})

void describe('Enterprise-Managed Authorization: Mandate as IdP and as resource AS', () => {
  const idpBackend = sqliteBackend()
  const rasBackend = sqliteBackend()
  let idpStore: Store
  let rasStore: Store
  let idp: Harness
  let ras: Harness
  let notesUrl: string
  const allowed = new Set(['alice'])
  const app: ResourceApplication = {
    audience: 'set below',
    resources: [],
    clients: { [IDP_CLIENT.clientId]: RAS_CLIENT.clientId },
    scopes: ['notes:read', 'notes:write'],
    users: (user) => allowed.has(user.username),
  }
  const elsewhere: ResourceApplication = { ...app, audience: ELSEWHERE }
  const http = createServer()

  before(async () => {
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
    notesUrl = `http://127.0.0.1:${String((http.address() as AddressInfo).port)}/mcp`
    app.resources = [notesUrl]
    elsewhere.resources = [notesUrl]
    idpStore = await idpBackend.open({ migrate: true })
    rasStore = await rasBackend.open({ migrate: true })
    idp = await startServer(idpStore, (issuer): Partial<AuthorizationServerOptions> => ({
      clients: [
        ...(serverOptions(issuer, idpStore).clients ?? []),
        confidential(IDP_CLIENT, ['authorization_code', EXCHANGE]),
      ],
      enterprise: { resourceApplications: [app, elsewhere] },
    }))
    ras = await startServer(rasStore, (issuer): Partial<AuthorizationServerOptions> => {
      const base = serverOptions(issuer, rasStore)
      return {
        resources: { ...base.resources, [notesUrl]: { scopes: ['notes:read', 'notes:write'] } },
        clients: [
          ...(base.clients ?? []),
          confidential(RAS_CLIENT, [JWT_BEARER]),
          confidential(OTHER_CLIENT, [JWT_BEARER]),
        ],
        enterprise: { trustedIdps: [{ issuer: idp.issuer, subject: 'jit', allowInsecure: true }] },
      }
    })
    app.audience = ras.issuer
    const notes = createNodeHandler(
      createNotesServer({
        resource: notesUrl,
        authorizationServers: [ras.issuer],
        verifier: { jwt: { issuers: [{ issuer: ras.issuer }], timeoutMs: 60_000 } },
      }),
    )
    http.on('request', (req, res) => {
      notes(req, res)
    })
  })
  after(async () => {
    http.closeAllConnections()
    await new Promise<void>((resolve) =>
      http.close(() => {
        resolve()
      }),
    )
    await ras.close()
    await idp.close()
    await idpStore.close()
    await rasStore.close()
    await idpBackend.cleanup()
    await rasBackend.cleanup()
  })

  /** Alice signs in at the IdP (browser once) and her client gets an ID token. */
  async function aliceIdToken(): Promise<string> {
    const result = await authorize(idp, {
      clientId: IDP_CLIENT.clientId,
      scope: 'openid',
      resource: '',
    })
    const client = { client_id: IDP_CLIENT.clientId }
    const auth = oauth.ClientSecretBasic(IDP_CLIENT.clientSecret)
    const params = oauth.validateAuthResponse(idp.as, client, result.callback, result.state)
    const response = await oauth.authorizationCodeGrantRequest(
      idp.as,
      client,
      auth,
      params,
      REDIRECT_URI,
      result.verifier,
      insecure,
    )
    const tokens = await oauth.processAuthorizationCodeResponse(idp.as, client, response)
    return String(tokens.id_token)
  }

  const idJag = (idToken: string, audience: string) =>
    tokenRequest(
      idp,
      {
        grant_type: EXCHANGE,
        requested_token_type: 'urn:ietf:params:oauth:token-type:id-jag',
        subject_token: idToken,
        subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
        audience,
        resource: notesUrl,
        scope: 'notes:read',
      },
      { authorization: basic(IDP_CLIENT.clientId, IDP_CLIENT.clientSecret) },
    )
  const redeem = (assertion: string, client = RAS_CLIENT) =>
    tokenRequest(
      ras,
      { grant_type: JWT_BEARER, assertion },
      { authorization: basic(client.clientId, client.clientSecret) },
    )

  let idToken: string
  void it('the IdP mints an ID-JAG: typ, aud = the resource AS, client_id there, resource', async () => {
    idToken = await aliceIdToken()
    const { status, body } = await idJag(idToken, ras.issuer)
    assert.equal(status, 200, JSON.stringify(body['error_description']))
    assert.equal(body['issued_token_type'], 'urn:ietf:params:oauth:token-type:id-jag')
    assert.equal(body['token_type'], 'N_A')
    const assertion = String(body['access_token'])
    assert.equal(decodeProtectedHeader(assertion).typ, 'oauth-id-jag+jwt')
    const claims = decodeJwt(assertion)
    assert.equal(claims.iss, idp.issuer)
    assert.equal(claims.aud, ras.issuer)
    assert.equal(claims['client_id'], RAS_CLIENT.clientId)
    assert.equal(claims['resource'], notesUrl)
    assert.equal(claims['scope'], 'notes:read')
  })

  void it('SDK v2 + @mandate/client: ID-JAG redeemed, tool called, no browser step', async (t) => {
    const client = new Client({ name: 'enterprise-e2e', version: '0' })
    const auth = createEnterpriseAuth({
      idp: { ...IDP_CLIENT, tokenEndpoint: idp.as.token_endpoint ?? '', idToken: () => idToken },
      client: RAS_CLIENT,
      scope: 'notes:read',
      allowLoopback: true,
    })
    await client.connect(
      new StreamableHTTPClientTransport(new URL(notesUrl), { authProvider: auth }),
    )
    t.after(() => client.close())
    const result = await client.callTool({ name: 'whoami', arguments: {} })
    const who = JSON.parse((result.content as { text: string }[])[0]?.text ?? '{}') as Record<
      string,
      unknown
    >
    assert.equal(who['client_id'], RAS_CLIENT.clientId)
    assert.equal(who['principal'], 'person')
    assert.deepEqual(who['scopes'], ['notes:read'])
    const local = await ras.server.users.get(String(who['sub']))
    assert.equal(local?.upstreamIssuer, idp.issuer, 'alice was provisioned just in time')
  })

  void it('the IdP policy removes alice: the next exchange is refused (control: allowed before)', async (t) => {
    assert.equal((await idJag(idToken, ras.issuer)).status, 200)
    allowed.delete('alice')
    t.after(() => allowed.add('alice'))
    const refused = await idJag(idToken, ras.issuer)
    assert.equal(refused.status, 400)
    assert.equal(refused.body['error'], 'invalid_grant')
    // The SDK client with @mandate/client now gets no token: the connection is refused.
    const client = new Client({ name: 'enterprise-e2e', version: '0' })
    const auth = createEnterpriseAuth({
      idp: { ...IDP_CLIENT, tokenEndpoint: idp.as.token_endpoint ?? '', idToken: () => idToken },
      client: RAS_CLIENT,
      allowLoopback: true,
    })
    await assert.rejects(
      client.connect(new StreamableHTTPClientTransport(new URL(notesUrl), { authProvider: auth })),
      { code: 'ERR_CLIENT_ENTERPRISE_GRANT', message: /invalid_grant/ },
    )
  })

  void it('the IdP refuses an ID token issued to another client (control: its own)', async () => {
    const other = await authorize(idp, { clientId: PUBLIC_CLIENT, scope: 'openid', resource: '' })
    const tokens = await redeemCode(idp, other)
    const refused = await idJag(String(tokens.id_token), ras.issuer)
    assert.equal(refused.status, 400)
    assert.equal(refused.body['error'], 'invalid_grant')
    assert.equal((await idJag(idToken, ras.issuer)).status, 200)
  })

  void it('a replayed ID-JAG is refused (control: its first use succeeds)', async () => {
    const assertion = String((await idJag(idToken, ras.issuer)).body['access_token'])
    const first = await redeem(assertion)
    assert.equal(first.status, 200)
    assert.equal(decodeJwt(String(first.body['access_token'])).aud, notesUrl)
    const again = await redeem(assertion)
    assert.equal(again.status, 400)
    assert.equal(again.body['error'], 'invalid_grant')
  })

  void it('a mis-audienced ID-JAG, another client’s, or an ID token are refused', async () => {
    const foreign = String((await idJag(idToken, ELSEWHERE)).body['access_token'])
    assert.equal((await redeem(foreign)).body['error'], 'invalid_grant')
    const mine = String((await idJag(idToken, ras.issuer)).body['access_token'])
    assert.equal((await redeem(mine, OTHER_CLIENT)).body['error'], 'invalid_grant')
    assert.equal((await redeem(idToken)).body['error'], 'invalid_grant')
    assert.equal((await redeem(mine)).status, 200, 'control: the same ID-JAG, right client')
  })
})
