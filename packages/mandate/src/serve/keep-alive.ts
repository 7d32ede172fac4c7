/**
 * How long an idle keep-alive connection stays open on the listeners `mandate serve` and
 * `mandate gateway` open. Node's 5 s default races clients and proxies that reuse an idle
 * connection just as the server closes it: the request gets a reset, and a POST cannot be retried
 * safely (RFC 9112 §9.3.1). Longer than the common 60 s proxy idle timeout, so the peer closes
 * first; shutdown still closes idle connections at once.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000
