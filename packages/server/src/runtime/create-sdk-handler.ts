import { createMcpHandler } from '@modelcontextprotocol/server'
import type { ProtectConfig } from '../config/resolve-protect-config.ts'
import type { ScopeGate } from '../http/scope-gate.ts'
import { findIdentity } from '../identity.ts'
import type { ProtectedRequestContext } from '../options.ts'
import { attachTaskMethods } from '../tasks/task-methods.ts'
import type { TaskRegistry } from '../tasks/task-registry.ts'

/** The SDK's stateless MCP handler behind the steps. */
export type SdkHandler = ReturnType<typeof createMcpHandler>

/**
 * The SDK v2 handler that builds one MCP server per request with the caller's
 * {@link ProtectedRequestContext}; `allows` asks the same scope gate that enforces calls. When
 * the tools include task tools, the server also serves the SEP-2663 task methods.
 */
export function createSdkHandler(
  config: ProtectConfig,
  gate: ScopeGate,
  tasks: TaskRegistry,
): SdkHandler {
  return createMcpHandler(
    (ctx) => {
      const identity = findIdentity(ctx.authInfo) ?? config.anonymous
      const allows = (tool: string): boolean => gate.tool(tool, identity) === undefined
      const requestContext: ProtectedRequestContext = {
        era: ctx.era,
        identity,
        allows,
        registerTools(server, tools) {
          for (const tool of tools)
            if (config.toolsList === 'all' || allows(tool.name)) tool.register(server)
          if (tools.some((tool) => tool.task !== undefined)) attachTaskMethods(server, tasks)
        },
      }
      return config.factory(requestContext)
    },
    {
      ...config.mcp,
      maxRequestBodySize: config.maxBodyBytes,
      onerror: (error) => {
        config.logger.debug('mcp request error', { error: error.message })
      },
    },
  )
}
