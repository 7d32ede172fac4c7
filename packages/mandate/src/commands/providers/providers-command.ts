import { ConfigurationError } from '@mandate/core'
import type { ProviderDefinition } from '@mandate/vault'
import { loadConfig } from '../../config/load-config.ts'
import { parseGlobalFlags } from '../../cli/global-flags.ts'
import { line } from '../../cli/output.ts'
import type { CommandIo } from '../../cli/output.ts'
import { readSecret } from '../../cli/read-secret.ts'
import { DATA_FLAGS } from '../../cli/usage.ts'
import { readSecretFile } from '../../providers/load-providers.ts'
import {
  addProvider,
  knownProviders,
  registrationSealed,
  removeProvider,
  testProvider,
} from '../../providers/provider-admin.ts'
import type { ProviderEntry } from '../../providers/provider-entry.ts'
import { openRuntime } from '../../runtime/open-runtime.ts'
import type { Runtime } from '../../runtime/open-runtime.ts'
import { entryFromFlags, PROVIDER_FLAGS } from './provider-flags.ts'

/** `mandate providers --help`. */
export const PROVIDERS_USAGE = `Usage: mandate providers <action> [id] [flags]

Actions (a running "mandate serve" on the same database picks changes up at once):
  add <id>     register a provider: a preset (github, google, microsoft, slack, atlassian,
               gitlab, notion, linear, dropbox, salesforce, zoom) or, with --kind, a generic
               OAuth 2.0 / OpenID Connect or API-key provider. The client secret is read from
               --client-secret-file or standard input (prompted without echo on a terminal),
               never from arguments, and stored sealed in the vault
  list         registered and configured providers: id, name, kind, source, client id
               (metadata only; secrets are never shown)
  remove <id>  unregister a provider; delete its sealed client registration, every user's
               linked account of it and its pending links (not revoked at the provider)
  test <id>    check that the provider's metadata and endpoints answer and are well-formed

Flags of "add":
  --client-id <id>                the OAuth client id registered at the provider
  --client-secret-file <file>     read the client secret from the first line of <file>
  --client-secret-stdin           read the client secret from standard input (the default)
  --kind <oauth2|oidc|api_key>    a generic provider instead of a preset
  --display-name <name>           shown on the linking pages
  --issuer <url>                  the issuer (RFC 8414 §2)
  --discovery                     fetch the endpoints from the issuer's metadata
  --authorization-endpoint <url>  where the browser is sent to consent
  --token-endpoint <url>          where codes and refresh tokens are exchanged
  --revocation-endpoint <url>     RFC 7009 revocation, called on unlink
  --userinfo-endpoint <url>       OpenID Connect userinfo
  --scope-separator <" "|,>       how the provider joins scopes (default " ")
  --default-scopes <a,b>          scopes always requested
  --pkce <required|supported|unsupported>   PKCE S256 (default supported)
  --auth-method <client_secret_basic|client_secret_post|none>   (default client_secret_basic)
  --refresh <rotating|reusable|optional_rotation|none>   refresh-token behaviour
  --instructions <text>           API-key providers: where users create a key
  --key-pattern <regexp>          API-key providers: what a key looks like
  --definition-file <file>        a full provider definition as JSON (docs/vault.md)

Register <public-url>/connect/callback as the redirect URI at the provider.
${DATA_FLAGS}

Documentation: docs/linking.md`

/** `mandate providers …`: third-party providers for account linking (docs/linking.md). */
export async function providersCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const flags = parseGlobalFlags(argv, PROVIDER_FLAGS)
  const [action, id] = flags.positionals
  if (action === undefined || (action !== 'list' && id === undefined)) {
    line(io.stderr, PROVIDERS_USAGE)
    return 2
  }
  const { config } = loadConfig({
    ...(flags.config === undefined ? {} : { file: flags.config }),
    env: io.env,
    flags: flags.settings,
  })
  const name = id ?? ''
  const entry = action === 'add' ? entryFromFlags(name, flags.values) : undefined
  const runtime = await openRuntime(config, { env: io.env })
  try {
    switch (action) {
      case 'add':
        return await add(runtime, entry as ProviderEntry, flags.values, io)
      case 'list':
        return await list(runtime, io)
      case 'remove': {
        const deleted = await removeProvider(runtime, name)
        if (!deleted.removed) {
          line(io.stderr, `mandate: no registered provider "${name}"`)
          return 1
        }
        line(
          io.stdout,
          `removed provider ${name} and ${String(deleted.credentials)} linked account(s)`,
        )
        return 0
      }
      case 'test':
        return await test(runtime, name, io)
      default:
        throw new ConfigurationError(
          'providers',
          `unknown action "${action}"; run "mandate providers --help"`,
        )
    }
  } finally {
    await runtime.close()
  }
}

async function add(
  runtime: Runtime,
  entry: ProviderEntry,
  values: Record<string, string | boolean | undefined>,
  io: CommandIo,
): Promise<number> {
  const definition = await addProvider(runtime, entry, (d) => secret(d, values, io))
  line(io.stdout, `added provider ${definition.id}`)
  return 0
}

async function secret(
  definition: ProviderDefinition,
  values: Record<string, string | boolean | undefined>,
  io: CommandIo,
): Promise<string> {
  const file = values['client-secret-file']
  if (typeof file === 'string') return readSecretFile(file, 'providers add')
  const value = (
    await readSecret(io.stdin, io.stderr, `client secret for ${definition.id}: `)
  ).trim()
  if (value === '') {
    throw new ConfigurationError(
      'providers',
      'no client secret: give --client-secret-file or write it to standard input',
    )
  }
  return value
}

async function list(runtime: Runtime, io: CommandIo): Promise<number> {
  for (const { definition, source, clientId } of (await knownProviders(runtime)).values()) {
    const sealed = await registrationSealed(runtime, definition.id)
    line(
      io.stdout,
      [
        definition.id.padEnd(16),
        definition.display_name.padEnd(16),
        definition.kind.padEnd(8),
        source.padEnd(13),
        clientId === null ? '-' : `client_id=${clientId}`,
        definition.kind === 'api_key'
          ? ''
          : sealed
            ? 'client registration sealed'
            : 'no client registration',
      ]
        .join(' ')
        .trimEnd(),
    )
  }
  return 0
}

async function test(runtime: Runtime, id: string, io: CommandIo): Promise<number> {
  const checks = await testProvider(runtime, id)
  if (checks === undefined) {
    line(io.stderr, `mandate: no provider "${id}"; see "mandate providers list"`)
    return 1
  }
  if (checks.length === 1 && checks[0]?.what === 'kind') {
    line(io.stdout, `ok    ${id}: an API-key provider; users type their key on the connect page`)
    return 0
  }
  for (const check of checks)
    line(io.stdout, `${check.ok ? 'ok  ' : 'FAIL'}  ${check.what}: ${check.detail}`)
  const failed = checks.filter((check) => !check.ok).length
  line(
    io.stdout,
    failed === 0 ? `${id}: all checks passed` : `${id}: ${String(failed)} check(s) failed`,
  )
  return failed === 0 ? 0 : 1
}
