import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/client/stdio'
import type { UpstreamOptions } from '../options.ts'
import { GatewayError } from '../gateway-error.ts'
import { fetchWithDpop } from '../credentials/hop-dpop.ts'
import { hopDpopFor } from '../credentials/upstream-dpop.ts'
import { injectionTarget } from '../credentials/resolve-credential.ts'
import { inArrivalOrder } from './arrival-order.ts'
import { handshakeStdioTransport } from './handshake-stdio-transport.ts'
import { installRelay } from './relay.ts'
import { isSharedProcess } from './shared-process.ts'
import { acceptUrlElicitations } from '../elicitation/elicitation-desk.ts'
import type { ElicitationDesk } from '../elicitation/elicitation-desk.ts'
import type { CallRelay } from './relay.ts'

/** What a connected upstream session holds; `credential` is read on every HTTP request. */
export interface CredentialHolder {
  value: string | undefined
}

const CLIENT_INFO = { name: 'mandate-gateway', version: '0.1.0' }

/**
 * Connects the SDK v2 client to one upstream for one user: Streamable HTTP with the credential
 * in the configured header (set per request from `holder`; a DPoP-bound token with a fresh
 * proof on every request), or a process of its own with the credential in its environment or
 * its stdin handshake and only a safe default environment inherited. The upstream's
 * notifications go to `relay` and its URL elicitations to `desk` (this user's calls only).
 */
export async function connectUpstream(
  upstream: UpstreamOptions,
  holder: CredentialHolder,
  fetchImpl: typeof fetch,
  relay: CallRelay,
  desk?: ElicitationDesk,
): Promise<Client> {
  const client = new Client(CLIENT_INFO, { capabilities: {} })
  // A shared process's notifications belong to no one caller: not relayed (shared-process.ts).
  if (!isSharedProcess(upstream)) installRelay(client, relay)
  // URL elicitations go to this user's calls; declared only when the caller can be shown them.
  if (desk !== undefined) acceptUrlElicitations(client, desk)
  const { transport } = upstream
  const target = injectionTarget(upstream.credential, transport.type)
  if (transport.type === 'http') {
    const header = target !== undefined && 'header' in target ? target.header : undefined
    const dpop = await hopDpopFor(upstream.credential, transport.url)
    const upstreamFetch: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers)
      for (const [name, value] of Object.entries(transport.headers ?? {})) headers.set(name, value)
      // Only ours: whatever the SDK put there is replaced, and no caller header is ever copied.
      if (header !== undefined) {
        if (holder.value === undefined) headers.delete(header)
        else headers.set(header, holder.value)
      }
      const bound = dpop === undefined ? undefined : /^DPoP (.+)$/.exec(holder.value ?? '')?.[1]
      if (dpop === undefined || bound === undefined)
        return fetchImpl(input, { ...init, headers, redirect: 'manual' })
      // RFC 9449 §7.1: the bound token with a proof for this very request (`htm`, `htu`, `ath`).
      const url = input instanceof Request ? input.url : String(input)
      return fetchWithDpop(fetchImpl, dpop, url, { ...init, headers, redirect: 'manual' }, bound)
    }
    const http = new StreamableHTTPClientTransport(new URL(transport.url), { fetch: upstreamFetch })
    await client.connect(http)
    inArrivalOrder(http)
    return client
  }
  const env: Record<string, string> = { ...getDefaultEnvironment(), ...transport.env }
  if (target !== undefined && 'handshake' in target) {
    if (holder.value === undefined)
      throw new GatewayError('ERR_GATEWAY_CREDENTIAL', 'no token for the stdio handshake')
    const launch = handshakeStdioTransport({
      command: transport.command,
      args: transport.args ?? [],
      env,
      accessToken: holder.value,
      ...(transport.cwd === undefined ? {} : { cwd: transport.cwd }),
    })
    await client.connect(launch)
    inArrivalOrder(launch)
    return client
  }
  if (target !== undefined && 'env' in target && holder.value !== undefined) {
    env[target.env] = holder.value
  }
  const stdio = new StdioClientTransport({
    command: transport.command,
    args: [...(transport.args ?? [])],
    env,
    stderr: 'ignore',
    ...(transport.cwd === undefined ? {} : { cwd: transport.cwd }),
  })
  await client.connect(stdio)
  inArrivalOrder(stdio)
  return client
}
