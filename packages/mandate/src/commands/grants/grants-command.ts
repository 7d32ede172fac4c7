import { listGrants, revokeGrantAsOperator } from '@mandate/authorization-server/operator'
import { ConfigurationError } from '@mandate/core'
import { loadConfig } from '../../config/load-config.ts'
import { parseGlobalFlags } from '../../cli/global-flags.ts'
import { line } from '../../cli/output.ts'
import type { CommandIo } from '../../cli/output.ts'
import { openRuntime } from '../../runtime/open-runtime.ts'
import { withCliAudit } from '../../audit/cli-audit.ts'

/** `mandate grants --help`. */
export const GRANTS_USAGE = `Usage: mandate grants <action> [argument] [flags]

Actions:
  list [username]         list live grants: id, user, client, scopes
  revoke <grant-id>       revoke a grant: its refresh tokens end and every access token issued
                          under it is refused by every instance and resource server within a
                          second (PostgreSQL: pushed; SQLite: read from the revocation log,
                          which "mandate serve" polls every 250 ms; docs/revocation.md);
                          recorded in the audit trail as grant.revoked

Flags: the data flags of "mandate help".`

/** `mandate grants …`: what users gave which clients, and revoking it. */
export async function grantsCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const flags = parseGlobalFlags(argv)
  const [action, argument] = flags.positionals
  if (action === undefined || (action === 'revoke' && argument === undefined)) {
    line(io.stderr, GRANTS_USAGE)
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
      case 'list': {
        const grants = await listGrants(
          runtime.store,
          argument === undefined ? {} : { username: argument },
        )
        for (const grant of grants) {
          line(
            io.stdout,
            `${grant.grantId}  ${(grant.username ?? grant.sub).padEnd(20)} ${grant.clientId}  ${grant.scopes.join(' ')}`,
          )
        }
        return 0
      }
      case 'revoke': {
        const id = argument ?? ''
        const revoked = await withCliAudit(runtime, ({ by }) =>
          revokeGrantAsOperator(runtime.store, id, by),
        )
        if (!revoked) {
          line(io.stderr, 'mandate: no such grant')
          return 1
        }
        line(io.stdout, `revoked grant ${id}`)
        return 0
      }
      default:
        throw new ConfigurationError(
          'grants',
          `unknown action "${action}"; run "mandate grants --help"`,
        )
    }
  } finally {
    await runtime.close()
  }
}
