export type { CallToolResult, Tool } from '@modelcontextprotocol/client'
export type { AuthStatus, ConsentRequest, RefusalNotice } from '@mandate/client'
