import { withdrawSigningKey } from '@mandate/authorization-server/operator'
import { ConfigurationError } from '@mandate/core'
import { createProviderCatalog, openVault, retireKeyVersion, rotateKeyFile } from '@mandate/vault'
import { parseGlobalFlags } from '../../cli/global-flags.ts'
import { line } from '../../cli/output.ts'
import type { CommandIo } from '../../cli/output.ts'
import { loadConfig } from '../../config/load-config.ts'
import { withCliAudit } from '../../audit/cli-audit.ts'
import { openRuntime } from '../../runtime/open-runtime.ts'
import type { Runtime } from '../../runtime/open-runtime.ts'

/** `mandate keys --help`. */
export const KEYS_USAGE = `Usage: mandate keys <action> [flags]

Master-key (key-encryption key) management; see docs/vault.md.

Actions:
  rotate           add a new key version to the key file; new writes use it at once, and a
                   background job re-wraps existing records (running servers pick it up on
                   PostgreSQL; on SQLite, stop the server first)
  rewrap           re-wrap every record under the active version now (vault records and the
                   authorization server's signing keys, TOTP and installation secrets), and report
  retire <version> remove a version from the key file; refused while any record uses it
  withdraw-signing-key <kid>
                   withdraw a token-signing key now (suspected compromise; the kid is in
                   /oauth/jwks): it leaves the JWKS, a new key signs, and every token signed
                   with it is refused everywhere (docs/revocation.md); audited as
                   signing_key.withdrawn

Flags: the data flags of "mandate help" (--data-dir, --key-file, --database, …).`

/** `mandate keys …`: online key rotation for the vault. */
export async function keysCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const flags = parseGlobalFlags(argv)
  const [action, version] = flags.positionals
  if (action === undefined) {
    line(io.stderr, KEYS_USAGE)
    return 2
  }
  const { config } = loadConfig({
    ...(flags.config === undefined ? {} : { file: flags.config }),
    env: io.env,
    flags: flags.settings,
  })
  const runtime = await openRuntime(config, { env: io.env })
  try {
    switch (action) {
      case 'rotate': {
        const added = await rotateKeyFile(runtime.store, requireKeyFile(runtime))
        line(io.stdout, `added key version ${String(added)}; new writes use it`)
        return 0
      }
      case 'rewrap': {
        const vault = await openVault({
          store: runtime.store,
          keys: runtime.keyProvider,
          catalog: createProviderCatalog(),
          logger: runtime.logger,
          backgroundRewrap: false,
        })
        try {
          const report = await vault.rewrapRecords()
          line(io.stdout, JSON.stringify(report))
        } finally {
          await vault.close()
        }
        return 0
      }
      case 'retire': {
        const number = Number(version)
        if (!Number.isInteger(number) || number < 1) {
          throw new ConfigurationError('keys', 'retire needs a key version number')
        }
        await retireKeyVersion(runtime.store, requireKeyFile(runtime), number)
        line(io.stdout, `retired key version ${String(number)}`)
        return 0
      }
      case 'withdraw-signing-key': {
        const kid = version ?? ''
        const withdrawn = await withCliAudit(runtime, ({ by }) =>
          withdrawSigningKey(runtime.store, runtime.keys, kid, by),
        )
        if (!withdrawn) {
          line(io.stderr, 'mandate: no such signing key')
          return 1
        }
        line(io.stdout, `withdrew signing key ${kid}`)
        return 0
      }
      default:
        throw new ConfigurationError(
          'keys',
          `unknown action "${action}"; run "mandate keys --help"`,
        )
    }
  } finally {
    await runtime.close()
  }
}

function requireKeyFile(runtime: Runtime): string {
  if (runtime.keyFile === undefined) {
    throw new ConfigurationError(
      'keys',
      'the key ring comes from MANDATE_MASTER_KEY: add the new version to that value instead',
    )
  }
  return runtime.keyFile
}
