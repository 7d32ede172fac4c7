import assert from 'node:assert/strict'
import { describe, test } from 'node:test'

import { ProtocolError } from '@modelcontextprotocol/client'
import { createUrlElicitationSupport, describeUrl, evaluateElicitationUrl } from '@mandate/client'
import type { ConsentRequest } from '@mandate/client'

const server = 'https://mcp.mandate.example/mcp'

void describe('URL elicitation: domain policy and display', () => {
  void test("the server's own origin is allowed by default, with the domain split out", () => {
    const decision = evaluateElicitationUrl('https://mcp.mandate.example/connect?id=abc', server)
    assert.equal(decision.allowed, true)
    assert.ok(decision.display)
    const d = decision.display
    assert.equal(d.before + d.domain + d.after, 'https://mcp.mandate.example/connect?id=abc')
    assert.equal(d.domain, 'mandate.example')
    assert.deepEqual(d.flags, [])
  })

  void test('catalogue #185: another domain is refused unless allow-listed', () => {
    assert.equal(
      evaluateElicitationUrl('https://accounts.github.example/login', server).allowed,
      false,
    )
    const allowed = evaluateElicitationUrl('https://accounts.github.example/login', server, {
      allow: ['*.github.example'],
    })
    assert.equal(allowed.allowed, true)
  })

  void test('catalogue #185: the deny list wins over the allow list and the server origin', () => {
    const decision = evaluateElicitationUrl('https://mcp.mandate.example/connect', server, {
      deny: ['mcp.mandate.example'],
    })
    assert.equal(decision.allowed, false)
  })

  void test('catalogue #185: a bare allow entry is that host only; *. adds its subdomains', () => {
    const to = (url: string, allow: string[]) =>
      evaluateElicitationUrl(url, server, { allow }).allowed
    assert.equal(to('https://sub.github.example/login', ['github.example']), false)
    assert.equal(to('https://badgithub.example/login', ['*.github.example']), false)
    assert.equal(to('https://github.example.evil.test/login', ['*.github.example']), false)
    // Positive controls: the same URLs with a matching entry.
    assert.equal(to('https://github.example/login', ['github.example']), true)
    assert.equal(to('https://sub.github.example/login', ['*.github.example']), true)
    assert.equal(to('https://github.example/login', ['*.github.example']), true)
  })

  void test('catalogue #185: a trailing root dot does not slip past the deny list', () => {
    for (const url of ['https://evil.example./x', 'https://a.evil.example./x']) {
      const decision = evaluateElicitationUrl(url, server, {
        allow: ['*.evil.example'],
        deny: ['*.evil.example'],
      })
      assert.equal(decision.allowed, false, url)
    }
    const control = evaluateElicitationUrl('https://a.evil.example./x', server, {
      allow: ['*.evil.example'],
    })
    assert.equal(control.allowed, true)
  })

  for (const lookalike of [
    'https://mcp.rnandate.example/connect',
    'https://mcp.m4ndate.example/connect',
    'https://mcp.mandat3.example/connect',
    'https://mcp.xn--mndate-3nf.example/connect',
    'https://xn--mandte-p4e.example/connect',
    'https://mcp.mаndate.example/connect',
  ]) {
    void test(`catalogue #183: look-alike ${lookalike} is refused even when allow-listed by wildcard`, () => {
      const decision = evaluateElicitationUrl(lookalike, server, { allow: ['*.example'] })
      assert.equal(decision.allowed, false)
      assert.ok(decision.display?.flags.some((f) => f === 'lookalike' || f === 'punycode'))
    })
  }

  void test('catalogue #183: punycode and mixed scripts are flagged for display', () => {
    const display = describeUrl(new URL('https://xn--pple-43d.com/'))
    assert.ok(display.flags.includes('punycode'))
    assert.ok(display.flags.includes('non-ascii'))
    assert.equal(display.unicodeHost, 'аpple.com')
    assert.ok(display.flags.includes('mixed-script'))
  })

  void test('catalogue #159: javascript: and shell payloads are refused before any prompt', () => {
    for (const raw of [
      'javascript:alert(1)',
      'https://mcp.mandate.example/$(id)',
      'http://mcp.mandate.example/x',
    ]) {
      assert.equal(evaluateElicitationUrl(raw, server).allowed, false)
    }
  })
})

void describe('URL elicitation: handler', () => {
  const make = (approved: boolean) => {
    const prompts: ConsentRequest[] = []
    const opened: URL[] = []
    const refused: string[] = []
    const support = createUrlElicitationSupport({
      serverUrl: server,
      consent: (request) => {
        prompts.push(request)
        return Promise.resolve({ approved })
      },
      open: (url) => {
        opened.push(url)
        return Promise.resolve()
      },
      onRefused: (notice) => refused.push(notice.reason),
    })
    return { support, prompts, opened, refused }
  }

  void test('consent shows server, message and full URL; approval opens it and returns only the action', async () => {
    const { support, prompts, opened } = make(true)
    const result = await support.handle({
      mode: 'url',
      message: 'Link your GitHub account',
      url: 'https://mcp.mandate.example/connect?id=1',
      elicitationId: 'e1',
    })
    assert.deepEqual(result, { action: 'accept' })
    const [prompt] = prompts
    assert.ok(prompt)
    assert.equal(prompt.serverUrl, server)
    assert.equal(prompt.message, 'Link your GitHub account')
    assert.equal(prompt.display.full, 'https://mcp.mandate.example/connect?id=1')
    assert.equal(opened[0]?.href, 'https://mcp.mandate.example/connect?id=1')
  })

  void test('declining opens nothing', async () => {
    const { support, opened } = make(false)
    const result = await support.handle({
      mode: 'url',
      message: 'm',
      url: 'https://mcp.mandate.example/connect',
      elicitationId: 'e2',
    })
    assert.deepEqual(result, { action: 'decline' })
    assert.equal(opened.length, 0)
  })

  void test('catalogue #183: a look-alike or denied domain is declined without prompting or opening', async () => {
    const { support, prompts, opened, refused } = make(true)
    for (const url of ['https://mcp.rnandate.example/connect', 'https://evil.example/connect']) {
      const result = await support.handle({ mode: 'url', message: 'm', url, elicitationId: 'e3' })
      assert.deepEqual(result, { action: 'decline' })
    }
    assert.equal(prompts.length, 0)
    assert.equal(opened.length, 0)
    assert.equal(refused.length, 2)
  })

  void test('MCP elicitation error handling: an undeclared mode is refused with -32602', async () => {
    const { support } = make(true)
    await assert.rejects(
      support.handle({
        mode: 'form',
        message: 'm',
        requestedSchema: { type: 'object', properties: {} },
      }),
      (e) => e instanceof ProtocolError && e.code === -32602,
    )
    assert.deepEqual(support.capabilities, { elicitation: { url: {} } })
  })
})
