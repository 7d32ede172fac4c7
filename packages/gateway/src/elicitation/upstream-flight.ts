import type { CallToolResult } from '@modelcontextprotocol/server'
import type { RelayedNotification, RelayTarget } from '../upstreams/relay.ts'
import type { HeldElicitation } from './elicitation-desk.ts'

/** A front request's relay target that can say when what it was sent has gone out. */
export type FrontTarget = RelayTarget & { settled(): Promise<void> }

/** Notifications kept while a call waits for its caller's retry (then delivered to it). */
const MAX_BUFFERED = 100

/**
 * Where one upstream call's notifications go: the front request that made the call, then, once
 * the call was held for an input-required round (2026-07-28), the request that resumed it.
 * Between the two, notifications wait (bounded).
 */
export class SwitchTarget implements RelayTarget {
  #current: FrontTarget | undefined
  readonly #buffer: RelayedNotification[] = []

  constructor(first: FrontTarget) {
    this.#current = first
  }

  notify(notification: RelayedNotification): Promise<void> {
    if (this.#current !== undefined) return this.#current.notify(notification)
    if (this.#buffer.length < MAX_BUFFERED) this.#buffer.push(notification)
    return Promise.resolve()
  }

  /** The current request ended with an input-required answer: hold notifications. */
  detach(): void {
    this.#current = undefined
  }

  /** The retry resumed the call: what waited goes to it first. */
  attach(next: FrontTarget): void {
    this.#current = next
    for (const notification of this.#buffer.splice(0)) void next.notify(notification)
  }

  async settled(): Promise<void> {
    await this.#current?.settled()
  }
}

type Settled = { result: CallToolResult } | { error: unknown }

/**
 * One upstream `tools/call` in flight and the URL elicitations it sent that were not handled
 * yet, in order. `next()` gives the next elicitation, else the call's outcome once settled.
 */
export class UpstreamFlight {
  readonly target: SwitchTarget
  readonly #queue: HeldElicitation[] = []
  #settled: Settled | undefined
  #wake: (() => void) | undefined

  constructor(target: FrontTarget) {
    this.target = new SwitchTarget(target)
  }

  /** Hands the desk's elicitations for this call to `next()`. */
  readonly listener = (held: HeldElicitation): void => {
    this.#queue.push(held)
    this.#poke()
  }

  start(call: Promise<CallToolResult>): void {
    call.then(
      (result) => {
        this.#settled = { result }
        this.#poke()
      },
      (error: unknown) => {
        this.#settled = { error }
        this.#poke()
      },
    )
  }

  async next(): Promise<Settled | { held: HeldElicitation }> {
    for (;;) {
      const held = this.#queue.shift()
      if (held !== undefined) return { held }
      if (this.#settled !== undefined) return this.#settled
      await new Promise<void>((resolve) => {
        this.#wake = resolve
      })
    }
  }

  #poke(): void {
    const wake = this.#wake
    this.#wake = undefined
    wake?.()
  }
}
