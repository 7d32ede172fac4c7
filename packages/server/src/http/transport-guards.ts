import { isLoopbackHost, JSONRPC_ERROR, LOOPBACK_HOST_ALIASES } from '@mandate/core'
import { jsonRpcErrorResponse } from './challenges.ts'

/** The `Host` values a resource answers to: its own host, plus loopback aliases on loopback. */
export function defaultAllowedHosts(resource: URL): string[] {
  const hosts = [resource.host.toLowerCase()]
  if (isLoopbackHost(resource.hostname)) {
    const port = resource.port === '' ? '' : `:${resource.port}`
    for (const alias of LOOPBACK_HOST_ALIASES) hosts.push(`${alias}${port}`)
  }
  return [...new Set(hosts)]
}

/**
 * DNS-rebinding and cross-site checks (MCP transports "Security Warning"; catalogue #160,
 * #161): the `Host` must be one we serve, and a browser `Origin`, when present, must be allowed.
 * Empty allow-lists allow nothing (fail closed).
 */
export function transportGuard(
  request: Request,
  allowedHosts: ReadonlySet<string>,
  allowedOrigins: ReadonlySet<string>,
): Response | undefined {
  const host = request.headers.get('host') ?? new URL(request.url).host
  if (!allowedHosts.has(host.toLowerCase())) {
    return jsonRpcErrorResponse(403, JSONRPC_ERROR.invalidRequest, 'host not allowed')
  }
  const origin = request.headers.get('origin')
  if (origin !== null && !allowedOrigins.has(origin.toLowerCase())) {
    return jsonRpcErrorResponse(403, JSONRPC_ERROR.invalidRequest, 'origin not allowed')
  }
  return undefined
}
