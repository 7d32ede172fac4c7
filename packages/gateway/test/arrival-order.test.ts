// The gateway's upstream client delivers an upstream's last progress even when it arrives in
// the same read as the result (typescript-sdk #2580), so the caller sees every step.
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { Client } from '@modelcontextprotocol/client'
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio'
import { CallRelay } from '../src/upstreams/relay.ts'
import { connectUpstream } from '../src/upstreams/connect-upstream.ts'
import type { UpstreamOptions } from '../src/options.ts'

const server = fileURLToPath(new URL('./support/same-write-server.ts', import.meta.url))
const upstream: UpstreamOptions = {
  name: 'same-write',
  transport: { type: 'stdio', command: process.execPath, args: [server] },
  credential: { kind: 'none' },
  policy: [{ action: 'allow' }],
}

async function progressSeen(client: Client): Promise<number[]> {
  const seen: number[] = []
  const result = await client.callTool(
    { name: 'work', arguments: {} },
    { onprogress: (update) => seen.push(update.progress) },
  )
  assert.deepEqual(result.content, [{ type: 'text', text: 'done' }])
  return seen
}

describe('upstream messages in arrival order', () => {
  it('the progress written with the result reaches the caller', async () => {
    const client = await connectUpstream(
      upstream,
      { value: undefined },
      fetch,
      new CallRelay(() => {}),
    )
    try {
      for (let call = 0; call < 5; call += 1) assert.deepEqual(await progressSeen(client), [1])
    } finally {
      await client.close()
    }
  })

  it('control: the bare SDK client drops it (the race this guards against is real)', async () => {
    const client = new Client({ name: 'control', version: '1.0.0' })
    const errors: string[] = []
    client.onerror = (error) => errors.push(error.message)
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [server] }))
    try {
      assert.deepEqual(await progressSeen(client), [])
      assert.match(errors.join('\n'), /unknown token/)
    } finally {
      await client.close()
    }
  })
})
