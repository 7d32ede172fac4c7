import type { FetchLike } from '@modelcontextprotocol/client'

import { ClientError } from '../errors.ts'
import { guardedDiscoveryFetch } from './guarded-discovery-fetch.ts'
import {
  authorizationServerMetadata,
  discoverProtectedResource,
  requireString,
  tokenRequest,
} from './token-endpoint.ts'

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
const ID_JAG = 'urn:ietf:params:oauth:token-type:id-jag'
const ID_TOKEN = 'urn:ietf:params:oauth:token-type:id_token'

/** Client credentials at one server (`client_secret_basic`). */
export interface ConfidentialClient {
  clientId: string
  clientSecret: string
}

/** How {@link createEnterpriseAuth} reaches the enterprise IdP and the MCP server's AS. */
export interface EnterpriseAuthOptions {
  /** The enterprise IdP: its token endpoint and our client there (secret optional: public). */
  idp: {
    clientId: string
    clientSecret?: string
    tokenEndpoint: string
    /** The signed-in user's ID token from that IdP (fresh one per call is fine). */
    idToken: () => string | Promise<string>
  }
  /** Our client at the MCP server's authorization server. */
  client: ConfidentialClient
  /** Scopes to ask for; default: the `scope` of the server's challenge. */
  scope?: string
  /** Development and tests only: http and loopback for discovery and token requests. */
  allowLoopback?: boolean
}

/** The SDK v2 transport's `authProvider` shape (`token()` before each request, 401 hook). */
export interface EnterpriseAuth {
  token(): Promise<string | undefined>
  onUnauthorized(ctx: { response: Response; serverUrl: URL }): Promise<void>
}

/**
 * MCP Enterprise-Managed Authorization, client side, with no browser step: on a 401 the client
 * reads the server's RFC 9728 metadata, trades the user's ID token at the IdP for an ID-JAG
 * (RFC 8693, draft-ietf-oauth-identity-assertion-authz-grant §4.3) naming the server's
 * authorization server and resource, and redeems it there (RFC 7523 JWT bearer grant).
 */
export function createEnterpriseAuth(options: EnterpriseAuthOptions): EnterpriseAuth {
  const send: FetchLike = guardedDiscoveryFetch({ allowLoopback: options.allowLoopback ?? false })
  let accessToken: string | undefined
  return {
    token: () => Promise.resolve(accessToken),
    async onUnauthorized({ response, serverUrl }) {
      accessToken = undefined
      const { resource, issuer, challengeScope } = await discoverProtectedResource(
        send,
        response,
        serverUrl,
        grantError,
      )
      const as = await authorizationServerMetadata(send, issuer, grantError, issuerMismatch)
      const scope = options.scope ?? challengeScope
      const idJag = await tokenRequest(
        send,
        options.idp.tokenEndpoint,
        options.idp,
        {
          grant_type: TOKEN_EXCHANGE,
          requested_token_type: ID_JAG,
          audience: issuer,
          resource,
          subject_token: await options.idp.idToken(),
          subject_token_type: ID_TOKEN,
          ...(scope === undefined ? {} : { scope }),
        },
        grantError,
      )
      if (idJag['issued_token_type'] !== ID_JAG) throw grantError('the IdP issued no ID-JAG')
      const token = await tokenRequest(
        send,
        requireString(as['token_endpoint'], 'token_endpoint', grantError),
        options.client,
        {
          grant_type: JWT_BEARER,
          assertion: requireString(idJag['access_token'], 'access_token', grantError),
        },
        grantError,
      )
      accessToken = requireString(token['access_token'], 'access_token', grantError)
    },
  }
}

// RFC 8414 §3.3: the document must be about the issuer we asked for.
function issuerMismatch(): ClientError {
  return new ClientError(
    'ERR_CLIENT_ISSUER_MISMATCH',
    'authorization server metadata names another issuer',
  )
}

function grantError(message: string): ClientError {
  return new ClientError('ERR_CLIENT_ENTERPRISE_GRANT', message)
}
