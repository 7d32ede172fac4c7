import type { Client } from '@modelcontextprotocol/client'
import { UriTemplate } from '@modelcontextprotocol/server'

type Templates = Awaited<ReturnType<Client['listResourceTemplates']>>['resourceTemplates']

const MAX_PAGES = 100

/** Every resource template an upstream lists to this session (all pages, bounded). */
export async function upstreamTemplates(client: Client): Promise<Templates> {
  if (client.getServerCapabilities()?.resources === undefined) return []
  const list: Templates = []
  let cursor: string | undefined
  let pages = 0
  do {
    const page = await client.listResourceTemplates(cursor === undefined ? {} : { cursor })
    list.push(...page.resourceTemplates)
    cursor = page.nextCursor
  } while (cursor !== undefined && ++pages < MAX_PAGES)
  return list
}

/**
 * Whether the upstream behind `client` offers `uri` to this session: listed in
 * `resources/list`, or an expansion of one of its templates (RFC 6570, MCP
 * `resources/templates/list`). Only then does a read or a subscription go to it.
 */
export async function offersResource(client: Client, uri: string): Promise<boolean> {
  if (client.getServerCapabilities()?.resources === undefined) return false
  const { resources } = await client.listResources()
  if (resources.some((r) => r.uri === uri)) return true
  const templates = await upstreamTemplates(client)
  return templates.some((t) => matchesTemplate(t.uriTemplate, uri))
}

function matchesTemplate(template: string, uri: string): boolean {
  try {
    return new UriTemplate(template).match(uri) !== null
  } catch {
    // A template the SDK cannot parse offers nothing (fail closed).
    return false
  }
}
