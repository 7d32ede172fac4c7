import type { LinkedAccess } from '../linked-access.ts'

// The declaration of the tool that is running, by the handler context the SDK passed to it. A
// handler cannot name another tool's declaration: it only holds its own context.
const declarations = new WeakMap<object, readonly LinkedAccess[]>()

/**
 * Wraps a tool handler so that each call's context carries the tool's (frozen) declaration,
 * which `linking.credentials(ctx)` reads. The SDK passes the context last: `(ctx)` or
 * `(args, ctx)`.
 */
export function withDeclaredAccess<Handler>(
  access: readonly LinkedAccess[],
  handler: Handler,
): Handler {
  const run = handler as (...params: unknown[]) => unknown
  return ((...params: unknown[]) => {
    const ctx = params.at(-1)
    if (typeof ctx === 'object' && ctx !== null) declarations.set(ctx, access)
    return run(...params)
  }) as Handler
}

/** The declaration of the tool this context belongs to, or `undefined` (none declared). */
export function declaredAccess(ctx: object): readonly LinkedAccess[] | undefined {
  return declarations.get(ctx)
}
