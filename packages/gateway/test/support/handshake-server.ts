// A Mandate-aware stdio MCP server (docs/stdio.md): it serves only after a valid handshake line
// carrying a token for its own resource (argv: issuer, resource). It answers with claims and
// booleans only, so that no token ever appears in test output.
import { decodeJwt } from 'jose'
import { McpServer } from '@modelcontextprotocol/server'
import { createJwtVerifier, serveStdioWithHandshake } from '@mandate/server'
import type { TokenVerifier } from '@mandate/server'

const [issuer = '', resource = ''] = process.argv.slice(2)
const jwt = createJwtVerifier({ issuers: [{ issuer }], resource })
let presented = ''
const verifier: TokenVerifier = {
  async verify(token) {
    const verified = await jwt.verify(token)
    presented = token
    return verified
  },
}
const text = (value: unknown) => ({
  content: [{ type: 'text' as const, text: JSON.stringify(value) }],
})

await serveStdioWithHandshake({
  verifier,
  createServer: (token) => {
    const server = new McpServer({ name: 'handshake-upstream', version: '1.0.0' })
    server.registerTool('whoami', { description: 'The handshake token, as verified' }, () => {
      const claims = decodeJwt(presented)
      return text({
        sub: token.sub,
        aud: claims.aud,
        act: token.act,
        scopes: token.scopes,
        bound: token.jkt !== undefined,
        // The token reached this process by stdin only: not in argv, not in the environment.
        inEnv: Object.values(process.env).some((value) => value?.includes(presented) === true),
        inArgv: process.argv.some((arg) => arg.includes(presented)),
        pid: process.pid,
      })
    })
    return server
  },
}).catch(() => process.exit(3))
