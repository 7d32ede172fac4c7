// The conformance client's authorization-extension scenarios: client credentials (SEP-1046,
// the SDK's machine-to-machine providers), Enterprise-Managed Authorization (SEP-990,
// @mandate/client's createEnterpriseAuth) and workload identity federation (SEP-1933,
// createWorkloadIdentityAuth). No browser step in any.
import {
  Client,
  ClientCredentialsProvider,
  PrivateKeyJwtProvider,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client'
import type { AuthProvider, OAuthClientProvider } from '@modelcontextprotocol/client'
import { createEnterpriseAuth, createWorkloadIdentityAuth } from '@mandate/client'

interface ExtensionContext {
  client_id?: string
  client_secret?: string
  private_key_pem?: string
  signing_algorithm?: string
  idp_client_id?: string
  idp_id_token?: string
  idp_token_endpoint?: string
  valid_jwt?: string
}

export const EXTENSION_SCENARIOS = new Set([
  'auth/client-credentials-jwt',
  'auth/client-credentials-basic',
  'auth/enterprise-managed-authorization',
  // conformance 0.1.16's name for the same flow
  'auth/cross-app-access-complete-flow',
  'auth/wif-jwt-bearer',
])

export async function runExtension(serverUrl: string, scenario: string): Promise<number> {
  const context = JSON.parse(process.env['MCP_CONFORMANCE_CONTEXT'] ?? '{}') as ExtensionContext
  const need = (value: string | undefined, name: string): string => {
    if (value === undefined) throw new Error(`context has no ${name}`)
    return value
  }
  let authProvider: AuthProvider | OAuthClientProvider
  if (scenario === 'auth/client-credentials-jwt') {
    // The harness's authorization server is discovered at run time: no issuer to pin here.
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    authProvider = new PrivateKeyJwtProvider({
      clientId: need(context.client_id, 'client_id'),
      privateKey: need(context.private_key_pem, 'private_key_pem'),
      algorithm: context.signing_algorithm ?? 'ES256',
    })
  } else if (scenario === 'auth/client-credentials-basic') {
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    authProvider = new ClientCredentialsProvider({
      clientId: need(context.client_id, 'client_id'),
      clientSecret: need(context.client_secret, 'client_secret'),
    })
  } else if (scenario === 'auth/wif-jwt-bearer') {
    authProvider = createWorkloadIdentityAuth({
      clientId: need(context.client_id, 'client_id'),
      assertion: () => need(context.valid_jwt, 'valid_jwt'),
      // The harness runs on loopback http.
      allowLoopback: true,
    })
  } else {
    authProvider = createEnterpriseAuth({
      idp: {
        clientId: need(context.idp_client_id, 'idp_client_id'),
        tokenEndpoint: need(context.idp_token_endpoint, 'idp_token_endpoint'),
        idToken: () => need(context.idp_id_token, 'idp_id_token'),
      },
      client: {
        clientId: need(context.client_id, 'client_id'),
        clientSecret: need(context.client_secret, 'client_secret'),
      },
      // The harness runs on loopback http.
      allowLoopback: true,
    })
  }
  const client = new Client({ name: 'mandate-conformance', version: '0.1.0' }, { capabilities: {} })
  const transport = new StreamableHTTPClientTransport(new URL(serverUrl), { authProvider })
  await client.connect(transport)
  await client.listTools()
  await client.callTool({ name: 'test-tool', arguments: {} })
  await transport.close()
  return 0
}
