// The configuration every test server uses (in-process and multi-instance).
import { createHash } from 'node:crypto'
import type { Store } from '@mandate/store'
import { keyRingWrapper } from '@mandate/vault'
import type { AuthorizationServerOptions } from '../../src/index.ts'

export const RESOURCE = 'https://mcp.example.test/mcp'
export const DOWNSTREAM = 'https://tools.example.test/mcp'
export const GATEWAY = 'https://gateway.example.test/mcp'
export const REDIRECT_URI = 'http://127.0.0.1:7777/callback'
export const PUBLIC_CLIENT = 'mcp-client'
export const GATEWAY_CLIENT = 'gateway'
export const GATEWAY_SECRET = 'gateway-secret-0123456789abcdef0123456789'
export const ORCHESTRATOR_CLIENT = 'orchestrator'
export const ORCHESTRATOR_SECRET = 'orchestrator-secret-0123456789abcdef012345'
export const RS_CLIENT = 'resource-server'
export const RS_SECRET = 'rs-secret-0123456789abcdef0123456789abcdef'
export const PASSWORD = 'correct horse battery'
/**
 * The key wrapper that seals the test servers' secrets at rest: fixed, so that every instance
 * of a multi-instance test (and a test reading a sealed row) opens what the others sealed.
 */
export const TEST_KEYS = keyRingWrapper({
  active: 1,
  keys: new Map([[1, createHash('sha256').update('mandate test key-encryption key').digest()]]),
})

export function serverOptions(issuer: string, store: Store): AuthorizationServerOptions {
  return {
    issuer,
    store,
    keys: TEST_KEYS,
    resources: {
      [RESOURCE]: { scopes: ['tools:read', 'tools:write'], introspectionClients: [RS_CLIENT] },
      [GATEWAY]: { scopes: ['tools:read', 'tools:write'] },
      [DOWNSTREAM]: { scopes: ['tools:read'] },
    },
    clients: [
      {
        client_id: PUBLIC_CLIENT,
        client_name: 'Test MCP client',
        application_type: 'native',
        redirect_uris: [REDIRECT_URI],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
      {
        client_id: GATEWAY_CLIENT,
        client_secret: GATEWAY_SECRET,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['urn:ietf:params:oauth:grant-type:token-exchange'],
        response_types: [],
        redirect_uris: [],
      },
      {
        client_id: ORCHESTRATOR_CLIENT,
        client_secret: ORCHESTRATOR_SECRET,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['urn:ietf:params:oauth:grant-type:token-exchange'],
        response_types: [],
        redirect_uris: [],
      },
      {
        client_id: RS_CLIENT,
        client_secret: RS_SECRET,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: [],
        response_types: [],
        redirect_uris: [],
      },
    ],
    tokenExchange: {
      policies: [
        { clientId: GATEWAY_CLIENT, subjectAudiences: [GATEWAY], audiences: [DOWNSTREAM] },
        { clientId: ORCHESTRATOR_CLIENT, subjectAudiences: [DOWNSTREAM], audiences: [RESOURCE] },
      ],
    },
  }
}
