import { readFileSync } from 'node:fs'
import type { ParseArgsOptionsConfig } from 'node:util'
import { ConfigurationError } from '@mandate/core'
import { PROVIDER_PRESETS } from '@mandate/vault'
import type { ProviderEntry } from '../../providers/provider-entry.ts'

/** `mandate providers add` flags: the client, and a generic definition's fields. */
export const PROVIDER_FLAGS: ParseArgsOptionsConfig = {
  'client-id': { type: 'string' },
  'client-secret-file': { type: 'string' },
  'client-secret-stdin': { type: 'boolean' },
  kind: { type: 'string' },
  'display-name': { type: 'string' },
  issuer: { type: 'string' },
  discovery: { type: 'boolean' },
  'authorization-endpoint': { type: 'string' },
  'token-endpoint': { type: 'string' },
  'revocation-endpoint': { type: 'string' },
  'userinfo-endpoint': { type: 'string' },
  'scope-separator': { type: 'string' },
  'default-scopes': { type: 'string' },
  pkce: { type: 'string' },
  'auth-method': { type: 'string' },
  refresh: { type: 'string' },
  instructions: { type: 'string' },
  'key-pattern': { type: 'string' },
  'definition-file': { type: 'string' },
}

type Values = Record<string, string | boolean | undefined>
const text = (values: Values, name: string): string | undefined => {
  const value = values[name]
  return typeof value === 'string' ? value : undefined
}

/**
 * The entry `providers add <id>` describes: a preset when `<id>` names one and no `--kind` or
 * `--definition-file` is given; otherwise a definition from the file or the flags (checked by
 * the vault's `validateProvider` afterwards).
 */
export function entryFromFlags(id: string, values: Values): ProviderEntry {
  const clientId = text(values, 'client-id')
  const file = text(values, 'definition-file')
  const kind = text(values, 'kind')
  if (file === undefined && kind === undefined) {
    if (PROVIDER_PRESETS[id] === undefined) {
      throw new ConfigurationError(
        'providers',
        `"${id}" is not a preset (${Object.keys(PROVIDER_PRESETS).join(', ')}); give --kind oauth2, oidc or api_key`,
      )
    }
    return { preset: id, clientId }
  }
  if (file !== undefined) {
    const definition = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
    return { definition: { ...definition, id }, clientId }
  }
  const definition: Record<string, unknown> = {
    id,
    kind,
    display_name: text(values, 'display-name') ?? id,
  }
  if (kind === 'api_key') {
    setIf(definition, 'instructions', text(values, 'instructions'))
    setIf(definition, 'key_pattern', text(values, 'key-pattern'))
    return { definition }
  }
  Object.assign(definition, {
    issuer: text(values, 'issuer'),
    scope_separator: text(values, 'scope-separator') ?? ' ',
    pkce: text(values, 'pkce') ?? 'supported',
    token_endpoint_auth_method: text(values, 'auth-method') ?? 'client_secret_basic',
    refresh: text(values, 'refresh') ?? 'optional_rotation',
  })
  if (values['discovery'] === true) definition['discovery'] = true
  for (const field of ['authorization', 'token', 'revocation', 'userinfo']) {
    setIf(definition, `${field}_endpoint`, text(values, `${field}-endpoint`))
  }
  definition['revocation'] = definition['revocation_endpoint'] === undefined ? 'none' : 'rfc7009'
  const scopes = text(values, 'default-scopes')
  if (scopes !== undefined) definition['default_scopes'] = scopes.split(/[\s,]+/).filter(Boolean)
  return { definition, clientId }
}

function setIf(target: Record<string, unknown>, key: string, value: string | undefined): void {
  if (value !== undefined) target[key] = value
}
