import { isLoopbackHost } from '@mandate/core'
import { VaultError } from '../errors.ts'
import type { ProviderDefinition } from './provider-definition.ts'

const ID = /^[a-z0-9][a-z0-9_-]{0,62}$/

/**
 * Checks an operator-supplied provider definition before it is used: a valid id, the fields
 * its kind needs, https endpoints (plain http only on loopback, when explicitly allowed), and
 * known enumerations. Returns the definition unchanged.
 * @throws VaultError `ERR_VAULT_PROVIDER_INVALID` naming the field at fault.
 */
export function validateProvider(definition: ProviderDefinition): ProviderDefinition {
  const fail = (field: string, what: string): never => {
    throw new VaultError(
      'ERR_VAULT_PROVIDER_INVALID',
      `provider ${safeId(definition)}: ${field} ${what}`,
    )
  }
  if (typeof definition.id !== 'string' || !ID.test(definition.id))
    fail('id', 'must match [a-z0-9_-]')
  if (typeof definition.display_name !== 'string' || definition.display_name.trim() === '') {
    fail('display_name', 'is required')
  }
  switch (definition.kind) {
    case 'api_key':
      if (definition.key_pattern !== undefined) {
        try {
          new RegExp(definition.key_pattern, 'u')
        } catch {
          fail('key_pattern', 'is not a valid regular expression')
        }
      }
      return definition
    case 'oauth2':
    case 'oidc': {
      const allowHttp = definition.allow_loopback_http === true
      checkUrl(definition.issuer, 'issuer', allowHttp, fail)
      if (definition.discovery !== true) {
        if (definition.authorization_endpoint === undefined)
          fail('authorization_endpoint', 'is required')
        if (definition.token_endpoint === undefined) fail('token_endpoint', 'is required')
      }
      for (const field of [
        'authorization_endpoint',
        'token_endpoint',
        'revocation_endpoint',
        'userinfo_endpoint',
      ] as const) {
        const value = definition[field]
        if (value !== undefined) checkUrl(value, field, allowHttp, fail)
      }
      const separator: string = definition.scope_separator
      if (separator !== ' ' && separator !== ',') {
        fail('scope_separator', 'must be " " or ","')
      }
      const responseSeparator: string | undefined = definition.response_scope_separator
      if (responseSeparator !== undefined && responseSeparator !== ' ' && responseSeparator !== ',')
        fail('response_scope_separator', 'must be " " or ","')
      if (![undefined, 'scope', 'user_scope'].includes(definition.scope_parameter))
        fail('scope_parameter', 'is invalid')
      if (
        ![undefined, 'rfc6749', 'error_as_200', 'slack_authed_user'].includes(
          definition.token_response,
        )
      )
        fail('token_response', 'is invalid')
      if (!['required', 'supported', 'unsupported'].includes(definition.pkce))
        fail('pkce', 'is invalid')
      if (
        !['client_secret_basic', 'client_secret_post', 'none'].includes(
          definition.token_endpoint_auth_method,
        )
      ) {
        fail('token_endpoint_auth_method', 'is invalid')
      }
      if (!['rotating', 'reusable', 'optional_rotation', 'none'].includes(definition.refresh)) {
        fail('refresh', 'is invalid')
      }
      if (definition.revocation === 'rfc7009' && definition.revocation_endpoint === undefined) {
        if (definition.discovery !== true) fail('revocation_endpoint', 'is required for rfc7009')
      }
      for (const scope of definition.default_scopes ?? []) {
        if (!/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(scope))
          fail('default_scopes', 'has an invalid scope')
      }
      return definition
    }
    default:
      return fail('kind', 'must be oauth2, oidc or api_key')
  }
}

function checkUrl(
  value: unknown,
  field: string,
  allowHttp: boolean,
  fail: (field: string, what: string) => never,
): void {
  if (typeof value !== 'string') fail(field, 'is required')
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return fail(field, 'is not a URL')
  }
  if (url.username !== '' || url.password !== '') fail(field, 'must not carry credentials')
  if (url.hash !== '') fail(field, 'must not have a fragment')
  if (url.protocol === 'https:') return
  if (url.protocol === 'http:' && allowHttp && isLoopbackHost(url.hostname)) return
  fail(field, 'must use https')
}

function safeId(definition: { id?: unknown }): string {
  return typeof definition.id === 'string' && ID.test(definition.id)
    ? definition.id
    : '(invalid id)'
}
