import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { ConfigurationError, isLoopbackListenHost } from '@mandate/core'
import type { Runtime } from '../runtime/open-runtime.ts'
import { composeComponents } from './compose.ts'
import type { Components } from './compose.ts'
import { KEEP_ALIVE_TIMEOUT_MS } from './keep-alive.ts'

/** A started `mandate serve`: where it listens, its public URL, its components, how to stop it. */
export interface RunningServer {
  /** The URL the server listens on. */
  url: URL
  publicUrl: URL
  components: Components
  /** Stops accepting, lets requests in flight finish (up to the timeout), closes the store. */
  shutdown(): Promise<void>
}

/**
 * Starts the all-in-one server on the configured interface: binds the port first (so that
 * `--port 0` knows its public URL), then composes and mounts the components; until then
 * requests get 503. `shutdown()` drains and closes everything, the runtime included.
 *
 * @example
 * ```ts
 * const runtime = await openRuntime(config, { env: process.env })
 * const server = await startServer(runtime)
 * runtime.logger.info('listening', { url: server.publicUrl.href })
 * await server.shutdown()
 * ```
 */
export async function startServer(runtime: Runtime): Promise<RunningServer> {
  const { config, logger } = runtime
  checkExposure(config.server.host, config.server.publicUrl)

  // Listen first: with --port 0 the public URL (the issuer) is known only once bound. Until the
  // components are built, requests get 503.
  let components: Components | undefined
  const fetch: FetchCallback = (request, env) =>
    components === undefined
      ? Response.json({ status: 'starting' }, { status: 503 })
      : components.app.fetch(request, env)
  const server = await listen(fetch, config.server.host, config.server.port)
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  const url = new URL(`http://${host}:${String(address.port)}`)
  const publicUrl = new URL(config.server.publicUrl ?? url.href)
  try {
    components = await composeComponents(runtime, publicUrl, url)
  } catch (error) {
    await new Promise((done) => server.close(done))
    throw error
  }
  const running = components

  let stopping: Promise<void> | undefined
  const shutdown = () =>
    (stopping ??= (async () => {
      logger.info('shutting down')
      const closed = new Promise<void>((done) => {
        server.close(() => {
          done()
        })
      })
      server.closeIdleConnections()
      running.drain()
      const timer = setTimeout(() => {
        server.closeAllConnections()
      }, config.server.shutdownTimeoutMs)
      await closed
      clearTimeout(timer)
      await running.close()
      await runtime.close()
      logger.info('stopped')
    })())
  return { url, publicUrl, components: running, shutdown }
}

type FetchCallback = Parameters<typeof serve>[0]['fetch']

function listen(fetch: FetchCallback, host: string, port: number): Promise<Server> {
  return new Promise<Server>((resolveServer, reject) => {
    const serverOptions = { keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS }
    const started = serve({ fetch, hostname: host, port, serverOptions }, () => {
      resolveServer(started)
    }) as Server
    started.once('error', (error: NodeJS.ErrnoException) => {
      const where = `${host}:${String(port)}`
      reject(
        new ConfigurationError(
          'server.port',
          error.code === 'EADDRINUSE'
            ? `cannot listen on ${where}: the address is in use; choose another --port`
            : `cannot listen on ${where}: ${error.message}`,
        ),
      )
    })
  })
}

/** Off loopback, the public URL must be given and must be HTTPS (OAuth 2.1 §1.5). */
function checkExposure(host: string, publicUrl: string | undefined): void {
  if (isLoopbackListenHost(host)) return
  if (publicUrl === undefined) {
    throw new ConfigurationError(
      'server.publicUrl',
      `server.publicUrl is required when listening on ${host} (not loopback); set --public-url https://…`,
    )
  }
  if (new URL(publicUrl).protocol !== 'https:') {
    throw new ConfigurationError(
      'server.publicUrl',
      `server.publicUrl must use https when listening on ${host} (not loopback)`,
    )
  }
}
