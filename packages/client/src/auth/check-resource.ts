import { ClientError } from '../errors.ts'

/**
 * RFC 9728 §3.3 / MCP authorization "Resource Parameter": the protected resource metadata must
 * name the server the client is talking to. Accepted: the same origin and either the same path or
 * a parent path at a segment boundary (a resource that covers several endpoints). Anything else
 * (another host, port, scheme or a sibling path) is refused before any token is requested.
 * @returns the resource indicator to send (RFC 8707), exactly as the metadata spells it.
 */
export function checkResource(serverUrl: string | URL, resource: string): string {
  let named: URL
  try {
    named = new URL(resource)
  } catch {
    throw mismatch()
  }
  const server = new URL(serverUrl)
  if (named.origin !== server.origin || named.hash !== '' || named.search !== '') throw mismatch()
  const resourcePath = named.pathname.replace(/\/+$/, '')
  const serverPath = server.pathname.replace(/\/+$/, '')
  if (resourcePath !== serverPath && !serverPath.startsWith(`${resourcePath}/`)) throw mismatch()
  return resource
}

function mismatch(): ClientError {
  return new ClientError(
    'ERR_CLIENT_RESOURCE_MISMATCH',
    'protected resource metadata names a different resource than this server',
  )
}
