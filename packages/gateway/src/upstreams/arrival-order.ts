import type { Transport } from '@modelcontextprotocol/client'

/**
 * Delivers a connected transport's inbound messages one microtask apart, in arrival order.
 *
 * The SDK dispatches a notification a microtask late but a response at once, and the response
 * retires its request's progress handler; a stdio read that holds an upstream's last progress
 * and its result together loses that progress (typescript-sdk #2580). Chained delivery lets
 * each notification's handler run before the next message is dispatched.
 */
export function inArrivalOrder(transport: Transport): void {
  const dispatch = transport.onmessage
  if (dispatch === undefined) return
  let previous: Promise<void> = Promise.resolve()
  transport.onmessage = (message, extra) => {
    previous = previous
      .then(() => {
        dispatch(message, extra)
      })
      .catch((error: unknown) => {
        transport.onerror?.(toError(error))
      })
  }
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error('upstream message dispatch failed')
}
