/** The landing page of `mandate serve`. Part of `STRINGS` (strings.ts); keys `area.what`. */
export const HOME_STRINGS = {
  'home.title': 'Mandate',
  'home.intro':
    'This server lets AI agents act for you over the Model Context Protocol without ever holding your passwords: you decide what each agent may do, and can take it back.',
  'home.account': 'Your account',
  'home.accountWhat': 'sign in, connected agents, linked accounts',
  'home.linked': 'Linked accounts',
  'home.try': 'Try it',
  'home.demo':
    'The demo MCP server is at {url}: add it to an MCP client (or run {command}), sign in, and call its tools.',
  'home.developers': 'For developers and operators',
  'home.metadata': 'Authorization server metadata:',
  'home.health': 'Health: {healthz}, readiness: {readyz}',
  'home.cli': 'Command line: {help}; documentation in the {docs} folder of the package',
} as const
