// Starts the notes example in its unauthenticated test mode (loopback only) with the
// conformance fixtures, on 127.0.0.1:<port>, behind the same transport checks as production.
import { createServer } from 'node:http'
import { createNodeHandler } from '@mandate/server'
import { InMemoryServerEventBus } from '@modelcontextprotocol/server'
import { createNotesServer } from '@mandate/example-notes-server'
import { registerConformanceFixtures } from './fixtures.ts'
import { openState, registerMrtrFixtures, registerStatelessFixtures } from './fixtures-mrtr.ts'
import { taskFixtures } from './fixtures-tasks.ts'

const port = Number(process.argv[2] ?? '3000')
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write('usage: test/conformance/server <port>\n')
  process.exit(2)
}
const server = createServer()
server.listen(port, '127.0.0.1', () => {
  const address = server.address()
  const actual = typeof address === 'object' && address !== null ? address.port : port
  // One in-process bus: the list-change fixtures publish where `subscriptions/listen` listens.
  const bus = new InMemoryServerEventBus()
  const handler = createNotesServer({
    resource: `http://localhost:${String(actual)}/mcp`,
    unauthenticatedTestMode: true,
    mcp: { bus },
    extraTools: taskFixtures,
    serverOptions: { requestState: { verify: openState } },
    extend: (mcp) => {
      registerConformanceFixtures(mcp)
      registerMrtrFixtures(mcp)
      registerStatelessFixtures(mcp, bus)
    },
  })
  server.on('request', createNodeHandler(handler))
  process.stdout.write(`conformance server on http://localhost:${String(actual)}/mcp\n`)
  const stop = (): void => {
    server.closeAllConnections()
    server.close()
    void handler.close()
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
})
