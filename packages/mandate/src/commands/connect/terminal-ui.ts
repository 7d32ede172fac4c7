import type { Writable } from 'node:stream'

import type {
  AuthStatus,
  CallToolResult,
  ConsentRequest,
  RefusalNotice,
  Tool,
} from './client-types.ts'

/** Terminal rendering for `mandate connect`: ANSI emphasis only on a TTY. */
export class TerminalUi {
  private readonly out: Writable
  private readonly tty: boolean

  constructor(out: Writable, tty: boolean) {
    this.out = out
    this.tty = tty
  }

  line(text = ''): void {
    this.out.write(`${text}\n`)
  }

  state(text: string): void {
    this.line(`${this.style('36', '●')} ${text}`)
  }

  warn(text: string): void {
    this.line(`${this.style('33', '!')} ${text}`)
  }

  status(status: AuthStatus): void {
    switch (status.type) {
      case 'discovering':
        this.state(`discovering how ${status.serverUrl} is protected…`)
        return
      case 'authorization-required':
        this.state(`sign-in needed (${describeReason(status.reason)})`)
        return
      case 'waiting-for-browser':
        this.state('waiting for you to finish in the browser…')
        return
      case 'exchanging-code':
        this.state('exchanging the authorization code for tokens…')
        return
      case 'refreshing':
        this.state('refreshing the access token…')
        return
      case 'authorized':
        this.state(`authorized${status.scope === undefined ? '' : ` (scopes: ${status.scope})`}`)
        return
      case 'step-up':
        this.state(
          `the server needs more: ${status.error}${status.scope === undefined ? '' : ` → ${status.scope}`}`,
        )
        return
      case 'gave-up':
        this.warn(`giving up: ${status.reason}`)
        return
    }
  }

  authorizationUrl(url: URL, opened: boolean): void {
    this.line(
      opened
        ? 'Opened your browser. If nothing happened, open this URL:'
        : 'Open this URL in your browser:',
    )
    this.line(`  ${url.href}`)
  }

  consent(request: ConsentRequest): void {
    const d = request.display
    this.line()
    this.line(
      `${this.style('1', 'The server')} ${request.serverName ?? request.serverUrl} ${this.style('1', 'asks you to open a link')}`,
    )
    this.line(`  message: ${sanitise(request.message)}`)
    this.line(`  link:    ${d.before}${this.emphasis(d.domain)}${d.after}`)
    this.line(
      `  domain:  ${d.domain}${d.unicodeHost !== new URL(d.full).hostname ? ` (displayed as ${d.unicodeHost})` : ''}`,
    )
    for (const flag of d.flags) this.warn(`warning: ${describeFlag(flag)}`)
  }

  refused(notice: RefusalNotice): void {
    this.warn(`refused a link from ${notice.serverUrl}: ${notice.reason}`)
    if (notice.display !== undefined) this.line(`  link: ${notice.display.full}`)
  }

  tools(tools: readonly Tool[]): void {
    if (tools.length === 0) {
      this.line('no tools')
      return
    }
    for (const tool of tools)
      this.line(
        `  ${this.style('1', tool.name)}${tool.description === undefined ? '' : `  ${sanitise(tool.description)}`}`,
      )
  }

  result(result: CallToolResult): void {
    if (result.isError === true) this.warn('the tool reported an error')
    for (const block of result.content) {
      if (block.type === 'text') this.line(sanitise(block.text))
      else this.line(JSON.stringify(block, null, 2))
    }
    if (result.structuredContent !== undefined)
      this.line(JSON.stringify(result.structuredContent, null, 2))
  }

  private emphasis(text: string): string {
    // Without a terminal the link is printed exactly (brackets would read as an IPv6 literal).
    return this.tty ? `\u001b[1;4m${text}\u001b[0m` : text
  }

  private style(code: string, text: string): string {
    return this.tty ? `\u001b[${code}m${text}\u001b[0m` : text
  }
}

// Server-supplied text must not drive the terminal (catalogue #209): drop control characters.
function sanitise(text: string): string {
  // eslint-disable-next-line no-control-regex -- the point is to remove them
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '')
}

function describeReason(reason: string): string {
  switch (reason) {
    case 'step-up-scope':
      return 'more permissions'
    case 'step-up-authentication':
      return 'a stronger sign-in'
    case 'reauthorize':
      return 'session expired'
    default:
      return 'first connection'
  }
}

function describeFlag(flag: string): string {
  switch (flag) {
    case 'punycode':
      return 'internationalised (punycode) domain name'
    case 'non-ascii':
      return 'the domain contains non-ASCII characters'
    case 'mixed-script':
      return 'the domain mixes alphabets (possible look-alike)'
    case 'ip-address':
      return 'the link points at an IP address'
    case 'not-https':
      return 'the link is not https'
    case 'lookalike':
      return 'the domain looks like a trusted one but is not'
    default:
      return flag
  }
}
