// Vault fixtures: a key file in a temporary directory, a catalog with the test provider and an
// API-key provider, and helpers to link an account through the real provider.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Store } from '@mandate/store'
import { createProviderCatalog, keyFileProvider, openVault } from '@mandate/vault'
import type {
  CredentialMetadata,
  OAuthProviderDefinition,
  Vault,
  VaultAuditEvent,
  VaultOptions,
} from '@mandate/vault'
import { authorizeInBrowser } from './test-provider.ts'
import type { TestProvider } from './test-provider.ts'

export interface TestVault {
  vault: Vault
  keyFile: string
  events: VaultAuditEvent[]
  close(): Promise<void>
}

export function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'mandate-vault-'))
  return {
    path,
    remove: () => {
      rmSync(path, { recursive: true, force: true })
    },
  }
}

export async function openTestVault(
  store: Store,
  keyFile: string,
  provider?: TestProvider,
  options: Partial<VaultOptions> = {},
  overrides: Partial<OAuthProviderDefinition> = {},
): Promise<TestVault> {
  const events: VaultAuditEvent[] = []
  const catalog = createProviderCatalog({
    presets: ['github'],
    providers: [
      ...(provider === undefined ? [] : [provider.definition(overrides)]),
      {
        id: 'weather',
        kind: 'api_key',
        display_name: 'Weather API',
        key_pattern: '^wk_[A-Za-z0-9]{16,}$',
      },
    ],
  })
  const vault = await openVault({
    store,
    keys: keyFileProvider(keyFile),
    catalog,
    audit: (event) => {
      events.push(event)
    },
    ...options,
  })
  if (provider !== undefined) {
    await vault.setProviderClient('demo', {
      client_id: provider.clientId,
      client_secret: provider.clientSecret,
    })
  }
  return {
    vault,
    keyFile,
    events,
    close: () => vault.close(),
  }
}

/** Links `sub`'s account at the test provider through the full provider leg. */
export async function linkDemoAccount(
  vault: Vault,
  provider: TestProvider,
  sub: string,
  scopes: string[] = ['calendar.read'],
): Promise<CredentialMetadata> {
  const { url, transaction } = await vault.startProviderAuthorization({
    sub,
    provider: 'demo',
    scopes,
    redirectUri: provider.redirectUri,
  })
  const callbackUrl = await authorizeInBrowser(url, provider.redirectUri)
  return vault.completeProviderAuthorization({ sub, transaction, callbackUrl })
}

/** Makes a credential's access token look expired (as if time had passed). */
export async function expire(store: Store, id: string): Promise<void> {
  await store.db
    .updateTable('vault_credentials')
    .set({ expires_at: Date.now() - 1_000 })
    .where('id', '=', id)
    .execute()
}

/** Runs every cleanup step even if an earlier one fails (a failed setup leaves some unset). */
export async function closeAll(...steps: (() => unknown)[]): Promise<void> {
  for (const step of steps) {
    try {
      await step()
    } catch {
      // best effort: keep closing the rest so no server keeps the test process alive
    }
  }
}
