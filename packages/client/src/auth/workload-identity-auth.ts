import { readFile } from 'node:fs/promises'

import type { FetchLike } from '@modelcontextprotocol/client'
import { decodeJwt } from 'jose'

import { ClientError } from '../errors.ts'
import type { EnterpriseAuth } from './enterprise-auth.ts'
import { guardedDiscoveryFetch } from './guarded-discovery-fetch.ts'
import {
  authorizationServerMetadata,
  discoverProtectedResource,
  requireString,
  tokenRequest,
} from './token-endpoint.ts'

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer'

/**
 * Where the platform-issued JWT comes from: a file the platform keeps fresh (a Kubernetes
 * projected service-account token, a CI OIDC token written to disk), read again for every grant,
 * or a callback. The JWT is never logged or put in an error.
 */
export type WorkloadAssertionSource = { file: string } | (() => string | Promise<string>)

/** How {@link createWorkloadIdentityAuth} gets tokens for one MCP server. */
export interface WorkloadIdentityAuthOptions {
  /** This workload's `client_id` at the authorization server (a public client, RFC 7523 §3.1). */
  clientId: string
  /** The platform-issued JWT (its `aud` names the authorization server). */
  assertion: WorkloadAssertionSource
  /**
   * Pin the authorization server: a resource naming any other issuer is refused before anything
   * is sent. Default: the one the resource names, provided the JWT's `aud` names it too.
   */
  issuer?: string
  /** Scopes to ask for; default: the `scope` of the server's challenge. */
  scope?: string
  /** Development and tests only: http and loopback for discovery and token requests. */
  allowLoopback?: boolean
}

/**
 * MCP workload identity federation (extension `io.modelcontextprotocol/auth/wif`, SEP-1933), for
 * machine clients with no person and no stored secret: on a 401 the client reads the server's
 * RFC 9728 metadata and presents its platform-issued JWT at the named authorization server with
 * the RFC 7523 JWT bearer grant. The JWT is sent only to an authorization server its `aud` names
 * (RFC 7523 §3), so a resource that names another server cannot collect a replayable credential;
 * a refusal is raised at once, never retried with the same JWT or another grant.
 */
export function createWorkloadIdentityAuth(options: WorkloadIdentityAuthOptions): EnterpriseAuth {
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
      if (options.issuer !== undefined && options.issuer !== issuer)
        throw grantError('the resource names an authorization server this workload does not use')
      const as = await authorizationServerMetadata(send, issuer, grantError, issuerMismatch)
      const endpoint = requireString(as['token_endpoint'], 'token_endpoint', grantError)
      checkGrantSupported(as)
      const assertion = await readAssertion(options.assertion)
      checkAudience(assertion, issuer, endpoint)
      const scope = options.scope ?? challengeScope
      const token = await tokenRequest(
        send,
        endpoint,
        { clientId: options.clientId },
        { grant_type: JWT_BEARER, assertion, resource, ...(scope === undefined ? {} : { scope }) },
        grantError,
      )
      accessToken = requireString(token['access_token'], 'access_token', grantError)
    },
  }
}

// RFC 8414 §2: when the AS lists its grant types, the JWT bearer grant must be one of them.
function checkGrantSupported(as: Record<string, unknown>): void {
  const supported = as['grant_types_supported']
  if (Array.isArray(supported) && !supported.includes(JWT_BEARER))
    throw grantError('the authorization server does not accept the JWT bearer grant')
}

async function readAssertion(source: WorkloadAssertionSource): Promise<string> {
  const value = typeof source === 'function' ? await source() : await readFile(source.file, 'utf8')
  return requireString(value.trim(), 'assertion', grantError)
}

/** RFC 7523 §3: `aud` identifies the AS (its issuer, or its token endpoint). */
function checkAudience(assertion: string, issuer: string, endpoint: string): void {
  let aud: unknown
  try {
    aud = decodeJwt(assertion).aud
  } catch {
    throw grantError('the workload assertion is not a JWT')
  }
  const audiences = Array.isArray(aud) ? aud : [aud]
  if (!audiences.some((a) => a === issuer || a === endpoint))
    throw grantError('the workload assertion is not for this authorization server')
}

function issuerMismatch(): ClientError {
  return new ClientError(
    'ERR_CLIENT_ISSUER_MISMATCH',
    'authorization server metadata names another issuer',
  )
}

function grantError(message: string): ClientError {
  return new ClientError('ERR_CLIENT_WORKLOAD_GRANT', message)
}
