// `mandate serve` configured from a file (issue 17): it redeems ID-JAGs from a trusted IdP (a
// second Mandate authorization server) for the SDK v2 client with @mandate/client, and issues
// client-credentials tokens marked as machine principals; the demo notes server sees both.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import * as oauth from 'oauth4webapi'
import { decodeJwt } from 'jose'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import type { AuthProvider } from '@modelcontextprotocol/client'
import { createEnterpriseAuth } from '@mandate/client'
import type { AuthorizationServerOptions, ResourceApplication } from '@mandate/authorization-server'
import type { Store } from '@mandate/store'
import { sqliteBackend } from '../support/stores.ts'
import {
  authorize,
  basic,
  insecure,
  REDIRECT_URI,
  startServer,
  tokenRequest,
} from '../../packages/authorization-server/test/support/harness.ts'
import type { Harness } from '../../packages/authorization-server/test/support/harness.ts'
import { serverOptions } from '../../packages/authorization-server/test/support/server-options.ts'
import type { MandateProcess } from './support/mandate-e2e.ts'
import { startServe, tempDir } from './support/mandate-e2e.ts'

const IDP_CLIENT = {
  clientId: 'ent-agent',
  clientSecret: 'ent-agent-secret-0123456789abcdef012345',
}
const AGENT = { clientId: 'notes-agent', clientSecret: 'notes-agent-secret-0123456789abcdef0123' }
const MACHINE = { clientId: 'nightly', clientSecret: 'nightly-secret-0123456789abcdef0123456789' }
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
const REPORTS = 'https://reports.example.test/mcp'

const whoami = async (url: string, authProvider: AuthProvider) => {
  const client = new Client({ name: 'serve-enterprise', version: '0' })
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { authProvider }))
  try {
    const result = await client.callTool({ name: 'whoami', arguments: {} })
    const block = (result.content as { text?: string }[])[0]
    return JSON.parse(block?.text ?? '{}') as Record<string, unknown>
  } finally {
    await client.close()
  }
}

void describe('mandate serve: enterprise and machine clients from its configuration', () => {
  const backend = sqliteBackend()
  const dir = tempDir('mandate-e2e-enterprise-')
  let store: Store
  let idp: Harness
  let serve: MandateProcess
  const app: ResourceApplication = {
    audience: 'set below',
    resources: [],
    clients: { [IDP_CLIENT.clientId]: AGENT.clientId },
    scopes: ['notes:read'],
    users: ['alice'],
  }

  before(async () => {
    store = await backend.open({ migrate: true })
    idp = await startServer(store, (issuer): Partial<AuthorizationServerOptions> => ({
      clients: [
        ...(serverOptions(issuer, store).clients ?? []),
        {
          client_id: IDP_CLIENT.clientId,
          client_secret: IDP_CLIENT.clientSecret,
          token_endpoint_auth_method: 'client_secret_basic',
          grant_types: ['authorization_code', 'urn:ietf:params:oauth:grant-type:token-exchange'],
          response_types: ['code'],
          redirect_uris: [REDIRECT_URI],
        },
      ],
      enterprise: { resourceApplications: [app] },
    }))
    const confidential = (c: { clientId: string; clientSecret: string }, grant: string) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: [grant],
      response_types: [],
      redirect_uris: [],
    })
    const config = join(dir.path, 'mandate.json')
    // The demo resource's URL is known only once serve listens: the machine client gets a
    // second, configured resource instead.
    writeFileSync(
      config,
      JSON.stringify({
        authorizationServer: {
          resources: { [REPORTS]: { scopes: ['reports:read'] } },
          clients: [confidential(AGENT, JWT_BEARER), confidential(MACHINE, 'client_credentials')],
          clientCredentials: {
            clients: [{ clientId: MACHINE.clientId, resources: { [REPORTS]: ['reports:read'] } }],
          },
          enterprise: {
            trustedIdps: [{ issuer: idp.issuer, subject: 'jit', allowInsecure: true }],
          },
        },
      }),
    )
    serve = await startServe(['--data-dir', dir.path, '--config', config])
    app.audience = serve.url.origin
    app.resources = [serve.mcpUrl]
  })
  after(async () => {
    await serve.stop()
    await idp.close()
    await store.close()
    await backend.cleanup()
    dir.remove()
  })

  void it('redeems an ID-JAG for alice: the tool runs with no browser step at serve', async () => {
    const result = await authorize(idp, {
      clientId: IDP_CLIENT.clientId,
      scope: 'openid',
      resource: '',
    })
    const client = { client_id: IDP_CLIENT.clientId }
    const params = oauth.validateAuthResponse(idp.as, client, result.callback, result.state)
    const tokens = await oauth.processAuthorizationCodeResponse(
      idp.as,
      client,
      await oauth.authorizationCodeGrantRequest(
        idp.as,
        client,
        oauth.ClientSecretBasic(IDP_CLIENT.clientSecret),
        params,
        REDIRECT_URI,
        result.verifier,
        insecure,
      ),
    )
    const idToken = String(tokens.id_token)
    const who = await whoami(
      serve.mcpUrl,
      createEnterpriseAuth({
        idp: { ...IDP_CLIENT, tokenEndpoint: idp.as.token_endpoint ?? '', idToken: () => idToken },
        client: AGENT,
        allowLoopback: true,
      }),
    )
    assert.equal(who['client_id'], AGENT.clientId)
    assert.equal(who['principal'], 'person')
    assert.deepEqual(who['scopes'], ['notes:read'])
  })

  void it('client credentials: a machine token for the configured resource only', async () => {
    const endpoint = {
      issuer: serve.url.origin,
      as: { issuer: serve.url.origin, token_endpoint: `${serve.url.origin}/oauth/token` },
    }
    const auth = { authorization: basic(MACHINE.clientId, MACHINE.clientSecret) }
    const granted = await tokenRequest(
      endpoint,
      { grant_type: 'client_credentials', resource: REPORTS },
      auth,
    )
    assert.equal(granted.status, 200)
    const claims = decodeJwt(String(granted.body['access_token']))
    assert.equal(claims.sub, MACHINE.clientId)
    assert.equal(claims['mandate_principal'], 'machine')
    const demo = await tokenRequest(
      endpoint,
      { grant_type: 'client_credentials', resource: serve.mcpUrl },
      auth,
    )
    assert.equal(demo.body['error'], 'invalid_target')
  })
})
