import { isLoopbackHost } from '@mandate/core'
import * as oauth from 'oauth4webapi'
import type { Store } from '@mandate/store'
import { getVaultProviderSecret, putVaultProviderSecret } from '@mandate/store'
import { openEnvelope, sealEnvelope } from '../crypto/envelope.ts'
import type { EnvelopeContext } from '../crypto/envelope.ts'
import { VaultError } from '../errors.ts'
import type { ProviderCatalog } from '../providers/provider-catalog.ts'
import type { OAuthProviderDefinition, ProviderClient } from '../providers/provider-definition.ts'
import { normaliseTokenResponse } from './token-response-quirks.ts'
import type { VaultKeys } from './vault-keys.ts'

/** Store channel announcing a changed provider client registration (caches drop it). */
export const PROVIDERS_CHANNEL = 'vault:providers'

/** The oauth4webapi request options the vault sets (they fit every request kind). */
export interface RequestOptions {
  signal?: AbortSignal
  [oauth.customFetch]?: (
    url: string,
    init: oauth.CustomFetchOptions<string, unknown>,
  ) => Promise<Response>
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- set only for loopback providers (allowsHttp)
  [oauth.allowInsecureRequests]?: boolean
}

/** The envelope context of a provider's sealed client registration. */
export function providerClientContext(provider: string): EnvelopeContext {
  return { kind: 'provider_client', sub: '', provider, recordId: provider }
}

/**
 * Turns provider definitions into what oauth4webapi needs: the authorization server metadata
 * (discovered once for OIDC providers), the client and its authentication (from the
 * vault-encrypted registration), and request options.
 */
export class ProviderEndpoints {
  readonly #store: Store
  readonly #keys: VaultKeys
  readonly #fetch: typeof fetch | undefined
  readonly #servers = new Map<string, Promise<oauth.AuthorizationServer>>()
  readonly #clients = new Map<string, Promise<ProviderClient>>()
  readonly #unsubscribe: (() => void)[]

  constructor(
    store: Store,
    keys: VaultKeys,
    fetchImpl: typeof fetch | undefined,
    catalog?: ProviderCatalog,
  ) {
    this.#store = store
    this.#keys = keys
    this.#fetch = fetchImpl
    this.#unsubscribe = [
      store.subscribe(PROVIDERS_CHANNEL, () => {
        this.#clients.clear()
      }),
    ]
    // A provider removed, or added again under the same id with another issuer or client:
    // nothing cached for the old one may be used (its metadata, its registration).
    const changed = catalog?.onChange?.(() => {
      this.#clients.clear()
      this.#servers.clear()
    })
    if (changed !== undefined) this.#unsubscribe.push(changed)
  }

  async setClient(provider: string, client: ProviderClient): Promise<void> {
    const { envelope, keyVersion } = await sealEnvelope(
      this.#keys,
      providerClientContext(provider),
      Buffer.from(JSON.stringify(client)),
    )
    await putVaultProviderSecret(this.#store, provider, envelope, keyVersion)
    await this.#store.publish(PROVIDERS_CHANNEL, provider)
  }

  client(definition: OAuthProviderDefinition): Promise<ProviderClient> {
    let found = this.#clients.get(definition.id)
    if (found === undefined) {
      found = this.#loadClient(definition.id)
      found.catch(() => this.#clients.delete(definition.id))
      this.#clients.set(definition.id, found)
    }
    return found
  }

  async clientAuth(
    definition: OAuthProviderDefinition,
  ): Promise<{ client: oauth.Client; auth: oauth.ClientAuth }> {
    const registration = await this.client(definition)
    const client: oauth.Client = { client_id: registration.client_id }
    const secret = registration.client_secret
    switch (definition.token_endpoint_auth_method) {
      case 'none':
        return { client, auth: oauth.None() }
      case 'client_secret_basic':
      case 'client_secret_post':
        if (secret === undefined) {
          throw new VaultError(
            'ERR_VAULT_PROVIDER_INVALID',
            `provider ${definition.id} has no client secret`,
          )
        }
        return {
          client,
          auth:
            definition.token_endpoint_auth_method === 'client_secret_basic'
              ? oauth.ClientSecretBasic(secret)
              : oauth.ClientSecretPost(secret),
        }
    }
  }

  authorizationServer(
    definition: OAuthProviderDefinition,
    signal?: AbortSignal,
  ): Promise<oauth.AuthorizationServer> {
    if (definition.discovery !== true) return Promise.resolve(staticMetadata(definition))
    let found = this.#servers.get(definition.id)
    if (found === undefined) {
      found = this.#discover(definition, signal)
      found.catch(() => this.#servers.delete(definition.id))
      this.#servers.set(definition.id, found)
    }
    return found
  }

  /** Options for every oauth4webapi request to this provider. */
  requestOptions(definition: OAuthProviderDefinition, signal?: AbortSignal): RequestOptions {
    const options: RequestOptions = {}
    if (signal !== undefined) options.signal = signal
    const fetchImpl = this.#fetch
    if (fetchImpl !== undefined) {
      options[oauth.customFetch] = async (url, init) =>
        normaliseTokenResponse(definition, url, await fetchImpl(url, init as RequestInit))
    } else if (definition.token_response !== undefined) {
      options[oauth.customFetch] = async (url, init) =>
        normaliseTokenResponse(definition, url, await fetch(url, init as RequestInit))
    }
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- loopback only: tests and the demo provider
    if (allowsHttp(definition)) options[oauth.allowInsecureRequests] = true
    return options
  }

  close(): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe()
  }

  async #loadClient(provider: string): Promise<ProviderClient> {
    const row = await getVaultProviderSecret(this.#store, provider)
    if (row === undefined) {
      throw new VaultError(
        'ERR_VAULT_PROVIDER_INVALID',
        `provider ${provider} has no client registration`,
      )
    }
    const plain = await openEnvelope(this.#keys, providerClientContext(provider), row.secret)
    return JSON.parse(Buffer.from(plain).toString('utf8')) as ProviderClient
  }

  async #discover(
    definition: OAuthProviderDefinition,
    signal?: AbortSignal,
  ): Promise<oauth.AuthorizationServer> {
    const issuer = new URL(definition.issuer)
    const response = await oauth.discoveryRequest(issuer, {
      ...this.requestOptions(definition, signal),
      algorithm: definition.kind === 'oidc' ? 'oidc' : 'oauth2',
    })
    const discovered = await oauth.processDiscoveryResponse(issuer, response)
    // Explicit definition fields win over discovered ones (operators pin what they checked).
    return { ...discovered, ...staticMetadata(definition) }
  }
}

function staticMetadata(definition: OAuthProviderDefinition): oauth.AuthorizationServer {
  const metadata: Record<string, unknown> = { issuer: definition.issuer }
  for (const field of [
    'authorization_endpoint',
    'token_endpoint',
    'revocation_endpoint',
    'userinfo_endpoint',
    'authorization_response_iss_parameter_supported',
  ] as const) {
    if (definition[field] !== undefined) metadata[field] = definition[field]
  }
  return metadata as unknown as oauth.AuthorizationServer
}

function allowsHttp(definition: OAuthProviderDefinition): boolean {
  if (definition.allow_loopback_http !== true) return false
  try {
    return isLoopbackHost(new URL(definition.issuer).hostname)
  } catch {
    return false
  }
}
