import { enableClient, listClients, removeClient } from '@mandate/authorization-server/operator'
import { ConfigurationError } from '@mandate/core'
import { loadConfig } from '../../config/load-config.ts'
import { parseGlobalFlags } from '../../cli/global-flags.ts'
import { line } from '../../cli/output.ts'
import type { CommandIo } from '../../cli/output.ts'
import { openRuntime } from '../../runtime/open-runtime.ts'
import type { Runtime } from '../../runtime/open-runtime.ts'
import { withCliAudit } from '../../audit/cli-audit.ts'

/** `mandate clients --help`. */
export const CLIENTS_USAGE = `Usage: mandate clients <action> [client-id] [flags]

Clients registered with the authorization server (Dynamic Client Registration). Clients in the
configuration file are changed there.

Actions:
  list                  list stored clients: id, state, name
  disable <client-id>   the client can no longer sign anyone in or refresh; its grants end and
                        every access token issued to it is refused by every instance and
                        resource server (docs/revocation.md)
  enable <client-id>    a disabled client can sign people in again; what the disable revoked
                        stays revoked (its earlier tokens are still refused)
  delete <client-id>    as disable, and the registration is deleted

Each change is recorded in the audit trail (client.disabled, client.enabled, client.deleted).

Flags: the data flags of "mandate help".`

/** `mandate clients …`: stored OAuth clients, and removing them. */
export async function clientsCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const flags = parseGlobalFlags(argv)
  const [action, clientId] = flags.positionals
  if (action === undefined || (action !== 'list' && clientId === undefined)) {
    line(io.stderr, CLIENTS_USAGE)
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
        for (const client of await listClients(runtime.store)) {
          const state = client.disabled ? 'disabled' : 'active'
          line(io.stdout, `${client.clientId}  ${state.padEnd(8)}  ${client.name ?? ''}`)
        }
        return 0
      }
      case 'disable':
      case 'enable':
      case 'delete':
        return await changeClient(runtime, action, clientId ?? '', io)
      default:
        throw new ConfigurationError(
          'clients',
          `unknown action "${action}"; run "mandate clients --help"`,
        )
    }
  } finally {
    await runtime.close()
  }
}

/** `clients disable|enable|delete <id>`, audited; exit 1 for an unknown or configured client. */
async function changeClient(
  runtime: Runtime,
  action: 'disable' | 'enable' | 'delete',
  id: string,
  io: CommandIo,
): Promise<number> {
  if (runtime.config.authorizationServer.clients.some((c) => c.client_id === id)) {
    line(io.stderr, 'mandate: this client is in the configuration file; change it there')
    return 1
  }
  const outcome = await withCliAudit(runtime, async ({ by }) =>
    action === 'enable'
      ? enableClient(runtime.store, id, by)
      : (await removeClient(runtime.store, id, action, by))
        ? 'done'
        : 'not_found',
  )
  if (outcome === 'not_found') {
    line(io.stderr, `mandate: no such client: ${id}`)
    return 1
  }
  if (outcome === 'not_disabled') {
    line(io.stdout, `client ${id} is not disabled`)
    return 0
  }
  line(
    io.stdout,
    `${{ disable: 'disabled', enable: 'enabled', delete: 'deleted' }[action]} client ${id}`,
  )
  return 0
}
