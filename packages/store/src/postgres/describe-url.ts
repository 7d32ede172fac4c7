/** Host, port and database of a PostgreSQL URL, without credentials, for logs and messages. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`
  } catch {
    return '(unparseable URL)'
  }
}
