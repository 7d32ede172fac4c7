// Client credentials (MCP "OAuth Client Credentials" extension, issue 17): operator-registered
// confidential clients get tokens whose `sub` is the client and which say no person is behind
// them (`mandate_principal: "machine"`); the notes example accepts them for tools that allow
// machines and refuses them for a tool that requires a person. DCR clients are refused.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { SignJWT, decodeJwt, exportJWK, generateKeyPair } from 'jose'
import type { CryptoKey } from 'jose'
import { createNotesServer } from '@mandate/example-notes-server'
import type { Store } from '@mandate/store'
import type { McpAuditRecord, ProtectedMcpHandler } from '@mandate/server'
import { sqliteBackend } from '../support/stores.ts'
import {
  basic,
  PUBLIC_CLIENT,
  startServer,
  tokenRequest,
} from '../../packages/authorization-server/test/support/harness.ts'
import type { Harness } from '../../packages/authorization-server/test/support/harness.ts'
import { serverOptions } from '../../packages/authorization-server/test/support/server-options.ts'
import { mcpRequest, toolText } from '../../packages/server/test/support/harness.ts'

const NOTES = 'http://127.0.0.1:4100/mcp'
const BASIC_CLIENT = 'nightly-report'
const BASIC_SECRET = 'nightly-report-secret-0123456789abcdef0123'
const JWT_CLIENT = 'batch-agent'

void describe('client credentials: machine principals', () => {
  const backend = sqliteBackend()
  let store: Store
  let h: Harness
  let notes: ProtectedMcpHandler
  let jwtKey: CryptoKey
  const toolCalls: McpAuditRecord[] = []

  before(async () => {
    store = await backend.open({ migrate: true })
    const pair = await generateKeyPair('ES256', { extractable: true })
    jwtKey = pair.privateKey
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' }
    h = await startServer(store, (issuer) => {
      const base = serverOptions(issuer, store)
      const machine = { response_types: [], redirect_uris: [], grant_types: ['client_credentials'] }
      return {
        resources: { ...base.resources, [NOTES]: { scopes: ['notes:read', 'notes:write'] } },
        clients: [
          ...(base.clients ?? []),
          {
            ...machine,
            client_id: BASIC_CLIENT,
            client_secret: BASIC_SECRET,
            token_endpoint_auth_method: 'client_secret_basic',
          },
          {
            ...machine,
            client_id: JWT_CLIENT,
            token_endpoint_auth_method: 'private_key_jwt',
            token_endpoint_auth_signing_alg: 'ES256',
            jwks: { keys: [publicJwk] },
          },
        ],
        clientCredentials: {
          clients: [
            { clientId: BASIC_CLIENT, resources: { [NOTES]: ['notes:read', 'notes:write'] } },
            { clientId: JWT_CLIENT, resources: { [NOTES]: ['notes:read'] } },
          ],
        },
      }
    })
    notes = createNotesServer({
      resource: NOTES,
      authorizationServers: [h.issuer],
      verifier: { jwt: { issuers: [{ issuer: h.issuer }], timeoutMs: 60_000 } },
      audit: {
        record: (event) => {
          toolCalls.push(event)
        },
      },
    })
  })
  after(async () => {
    await h.close()
    await store.close()
    await backend.cleanup()
  })

  const basicToken = (form: Record<string, string>) =>
    tokenRequest(
      h,
      { grant_type: 'client_credentials', ...form },
      { authorization: basic(BASIC_CLIENT, BASIC_SECRET) },
    )

  void it('client_secret_basic: sub is the client, marked machine, audience-bound', async () => {
    const { status, body } = await basicToken({ resource: NOTES, scope: 'notes:read' })
    assert.equal(status, 200)
    const claims = decodeJwt(String(body['access_token']))
    assert.equal(claims.sub, BASIC_CLIENT)
    assert.equal(claims['client_id'], BASIC_CLIENT)
    assert.equal(claims['mandate_principal'], 'machine')
    assert.equal(claims.aud, NOTES)
    assert.equal(claims['scope'], 'notes:read')
    assert.equal(body['refresh_token'], undefined)
    const issued = h.audit.find((e) => e.type === 'token.issued' && e.sub === BASIC_CLIENT)
    assert.equal(issued?.type === 'token.issued' ? issued.principal : undefined, 'machine')
  })

  void it('private_key_jwt (RFC 7523 §2.2) gets a token too', async () => {
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(JWT_CLIENT)
      .setSubject(JWT_CLIENT)
      .setAudience(h.issuer)
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .setExpirationTime('60s')
      .sign(jwtKey)
    const { status, body } = await tokenRequest(h, {
      grant_type: 'client_credentials',
      resource: NOTES,
      client_id: JWT_CLIENT,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    })
    assert.equal(status, 200, JSON.stringify(body['error']))
    assert.equal(body['scope'], 'notes:read', 'no scope asked: every allowed scope, no more')
  })

  void it('scopes are limited to the client’s allowed set (positive control beside)', async () => {
    const wider = await tokenRequest(
      h,
      { grant_type: 'client_credentials', resource: NOTES, scope: 'notes:read notes:write' },
      { authorization: basic(BASIC_CLIENT, BASIC_SECRET) },
    )
    assert.equal(wider.status, 200)
    const other = await basicToken({ resource: NOTES, scope: 'notes:read tools:read' })
    assert.equal(other.status, 400)
    assert.equal(other.body['error'], 'invalid_scope')
  })

  void it('resource is required and must be allowed for the client', async () => {
    const none = await basicToken({ scope: 'notes:read' })
    assert.equal(none.body['error'], 'invalid_target')
    const elsewhere = await basicToken({ resource: 'https://mcp.example.test/mcp' })
    assert.equal(elsewhere.body['error'], 'invalid_target')
  })

  void it('a DCR client is refused with unauthorized_client; a public client too (control: above)', async () => {
    const registration = await fetch(`${h.issuer}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
      }),
    })
    assert.equal(registration.status, 201)
    const dcr = (await registration.json()) as { client_id: string; client_secret: string }
    const refused = await tokenRequest(
      h,
      { grant_type: 'client_credentials', resource: NOTES },
      { authorization: basic(dcr.client_id, dcr.client_secret) },
    )
    assert.equal(refused.body['error'], 'unauthorized_client', JSON.stringify(refused.body))
    const publicClient = await tokenRequest(h, {
      grant_type: 'client_credentials',
      resource: NOTES,
      client_id: PUBLIC_CLIENT,
    })
    // A public client never holds the grant (oidc-provider refuses it before our policy).
    assert.equal(publicClient.body['error'], 'invalid_request')
    assert.match(String(publicClient.body['error_description']), /grant type is not allowed/)
  })

  void it('the notes example: whoami allows a machine, delete_all_notes requires a person', async () => {
    const { body } = await basicToken({ resource: NOTES, scope: 'notes:read notes:write' })
    const token = String(body['access_token'])
    const whoami = await notes.fetch(mcpRequest({ token, tool: 'whoami' }))
    assert.equal(whoami.status, 200)
    const who = JSON.parse(await toolText(whoami)) as Record<string, unknown>
    assert.equal(who['sub'], BASIC_CLIENT)
    assert.equal(who['principal'], 'machine')
    const list = await notes.fetch(mcpRequest({ token, tool: 'list_notes' }))
    assert.equal(list.status, 200)
    const destroy = await notes.fetch(mcpRequest({ token, tool: 'delete_all_notes' }))
    assert.equal(destroy.status, 403)
    assert.match(destroy.headers.get('www-authenticate') ?? '', /error="access_denied"/)
    // Audit tells the machine's calls apart, and why the person-only tool was refused.
    const denied = toolCalls.find((e) => e.type === 'mcp.tool_call' && e.outcome === 'denied')
    assert.equal(denied?.principal, 'machine')
    assert.equal(denied.type === 'mcp.tool_call' ? denied.reason : '', 'machine_principal')
    const allowed = toolCalls.find((e) => e.type === 'mcp.tool_call' && e.outcome === 'allowed')
    assert.equal(allowed?.principal, 'machine')
  })
})
