// `mandate gateway` run alone as a person runs it (issue 12): shared by
// test/e2e/serve-gateway-feed.test.ts and bench/revocation.
import type { ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { collect, spawnCli } from '../../support/cli.ts'

/** The client id the standalone gateway reads the feed (and exchanges tokens) as. */
export const GATEWAY_CLIENT = 'mandate-gateway'
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'

export interface GatewayProcess {
  child: ChildProcess
  /** Everything it printed so far (its JSON log lines and its banner). */
  output(): string
  stop(): Promise<void>
}

/** A port free right now on 127.0.0.1 (the AS must know the gateway's resource URL first). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/**
 * What the authorization server's configuration needs for a standalone gateway at `resource`:
 * the gateway's confidential client with its secret, listed in the resource's
 * `introspectionClients` (who may read the revocation feed).
 */
export function standaloneGatewayAtAs(
  resource: string,
  secret: string,
  scopes: string[],
  clientId = GATEWAY_CLIENT,
): { resources: Record<string, unknown>; clients: Record<string, unknown>[] } {
  return {
    resources: { [resource]: { scopes, introspectionClients: [clientId] } },
    clients: [
      {
        client_id: clientId,
        client_secret: secret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: [TOKEN_EXCHANGE],
        response_types: [],
        redirect_uris: [],
      },
    ],
  }
}

/** `mandate gateway --config <file>`; resolves once it prints its URL, rejects if it exits. */
export async function startGateway(config: string): Promise<GatewayProcess> {
  const child = spawnCli(['gateway', '--config', config])
  let output = ''
  const exited = collect(child, { timeoutMs: 3_600_000 })
  await new Promise<void>((resolve, reject) => {
    child.stderr?.on('data', (chunk: string) => {
      output += chunk
      if (output.includes('mandate gateway: http')) resolve()
    })
    child.stdout?.on('data', (chunk: string) => (output += chunk))
    child.once('exit', (code) => {
      reject(new Error(`mandate gateway exited with ${String(code)}: ${output}`))
    })
  })
  return {
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      await exited
    },
  }
}
