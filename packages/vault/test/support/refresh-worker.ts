// A separate process using the vault, driven by the multi-process and crash tests. Configured
// by MANDATE_WORKER (JSON). Prints only counts and digests, never a token.
//   burst: waits for "go" on stdin, runs `calls` concurrent getFreshCredential() for one user.
//   loop:  refreshes the given users' credentials round-robin until killed.
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { createLogger } from '@mandate/core'
import { openStore } from '@mandate/store'
import type { OpenStoreOptions } from '@mandate/store'
import { createProviderCatalog, environmentKeyProvider, openVault } from '@mandate/vault'
import type { OAuthProviderDefinition } from '@mandate/vault'

export interface WorkerConfig {
  mode: 'burst' | 'loop'
  store: OpenStoreOptions
  /** The key file's JSON (environment key provider). */
  keys: string
  provider: OAuthProviderDefinition
  subs: string[]
  calls?: number
  refreshMarginMs?: number
}

const config = JSON.parse(process.env['MANDATE_WORKER'] ?? '{}') as WorkerConfig
const logger = createLogger({ level: 'debug', write: (line) => process.stderr.write(line) })
const store = await openStore(config.store, { migrate: false })
const vault = await openVault({
  store,
  keys: environmentKeyProvider('MANDATE_WORKER_KEYS', config.keys),
  catalog: createProviderCatalog({ providers: [config.provider] }),
  logger,
  refreshMarginMs: config.refreshMarginMs ?? 60_000,
  // Generous: under a loaded CI machine the provider (in the test process) answers slowly.
  refreshTimeoutMs: 20_000,
  cooldownBaseMs: 1,
  cooldownMaxMs: 1,
})
const tool = vault.forTool([{ provider: config.provider.id }])
const write = (message: unknown) => process.stdout.write(`${JSON.stringify(message)}\n`)

if (config.mode === 'burst') {
  write({ ready: true })
  await once(process.stdin, 'data')
  const sub = config.subs[0] ?? ''
  const results = await Promise.allSettled(
    Array.from({ length: config.calls ?? 1 }, () =>
      tool.getFreshCredential({ sub, provider: config.provider.id }),
    ),
  )
  const tokens = new Set<string>()
  const errors: string[] = []
  for (const result of results) {
    if (result.status === 'fulfilled') tokens.add(result.value.access_token ?? '')
    else errors.push(describeFailure(result.reason))
  }
  write({
    ok: results.length - errors.length,
    errors,
    distinct: tokens.size,
    digest: createHash('sha256')
      .update([...tokens].sort().join('\n'))
      .digest('hex'),
  })
  await vault.close()
  await store.close()
} else {
  write({ ready: true })
  for (let round = 0; ; round += 1) {
    for (const sub of config.subs) {
      try {
        await tool.getFreshCredential({ sub, provider: config.provider.id })
        write({ done: round })
      } catch (error) {
        logger.info('worker call failed', { code: (error as { code?: string }).code })
      }
    }
  }
}

/** A failure's code, or its class and message when it has none (for diagnosis). */
function describeFailure(reason: unknown): string {
  const { code, name, message } = reason as { code?: unknown; name?: unknown; message?: unknown }
  if (typeof code === 'string') return code
  return `${String(name)}: ${String(message).slice(0, 200)}`
}
