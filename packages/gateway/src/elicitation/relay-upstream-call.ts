import { randomBytes } from 'node:crypto'
import type {
  CallToolResult,
  InputRequiredResult,
  ServerContext,
} from '@modelcontextprotocol/server'
import type { CallRelay, RelayTarget } from '../upstreams/relay.ts'
import type { ElicitationCaller } from './caller-kind.ts'
import type { ElicitationDesk, HeldElicitation } from './elicitation-desk.ts'
import {
  cannotShow,
  declinedAnswer,
  expiredAnswer,
  INPUT_KEY_PREFIX,
  legacyRequired,
  modernRequired,
  refusedUrl,
  upstreamUrlElicitations,
} from './elicitation-answers.ts'
import { mintRelayState, readRelayState } from './relay-state.ts'
import { UpstreamFlight } from './upstream-flight.ts'
import type { FrontTarget } from './upstream-flight.ts'

type Answer = CallToolResult | InputRequiredResult

/**
 * How long an upstream's `elicitation/create` is held for the caller's retry (2026-07-28). The
 * upstream call's own timeout (the SDK's 60 s) bounds it as well; then the upstream is told
 * `cancel` and the retry is told to call again.
 */
export const HOLD_MS = 60_000

/** One upstream `tools/call` on the caller's own session, and what the call needs to relay. */
export interface RelayedCall {
  ctx: ServerContext
  caller: ElicitationCaller
  owner: { sub: string; clientId: string }
  upstream: string
  /** The session's notification relay and its elicitation desk (absent: not declared). */
  relay: CallRelay
  desk: ElicitationDesk | undefined
  target: FrontTarget
  run: (target: RelayTarget) => Promise<CallToolResult>
  now?: () => number
}

interface Parked {
  flight: UpstreamFlight
  held: HeldElicitation
  timer: NodeJS.Timeout
}

/**
 * An upstream call with the upstream's URL elicitations relayed to this caller only, in the
 * caller's revision, as steps: a 2026-07-28 retry resumes the call it held or ends on a decline;
 * else the call starts; each `elicitation/create` it sends is answered from the caller (held for
 * an input-required round, or `-32042` for 2025-11-25, or declined when the client cannot show
 * it); an upstream `-32042` is passed on the same way.
 */
export async function relayUpstreamCall(call: RelayedCall): Promise<Answer> {
  const state =
    call.caller === 'modern'
      ? readRelayState(
          call.ctx.mcpReq.requestState(),
          { ...call.owner, upstream: call.upstream },
          now(call),
        )
      : undefined
  if (state?.held !== undefined) return resumeHeld(call, state.held)
  if (state !== undefined && declinedInRound(call.ctx)) return declinedAnswer(call.upstream)
  const flight = new UpstreamFlight(call.target)
  const run = () => call.run(flight.target)
  flight.start(
    call.relay.during(flight.target, () =>
      call.desk === undefined ? run() : call.desk.during(flight.listener, run),
    ),
  )
  return settle(call, flight)
}

/** Waits for the call's next event: its result, its error, or an elicitation to answer. */
async function settle(call: RelayedCall, flight: UpstreamFlight): Promise<Answer> {
  for (;;) {
    const next = await flight.next()
    if ('result' in next) {
      await flight.target.settled()
      return next.result
    }
    if ('error' in next) {
      await flight.target.settled()
      return passOnRequired(call, next.error)
    }
    const { held } = next
    if (call.caller === 'modern') return hold(call, flight, held)
    if (call.caller === 'legacy') {
      // Stateless 2025-11-25 serving cannot carry a server→client request to this caller and
      // its answer back: the caller gets `-32042` and retries; the upstream hears `cancel`.
      held.answer({ action: 'cancel' })
      legacyRequired([held.request])
    }
    held.answer({ action: 'decline' })
  }
}

/** The upstream failed with `-32042`: passed on in the caller's revision; else rethrown. */
function passOnRequired(call: RelayedCall, error: unknown): Answer {
  const elicitations = upstreamUrlElicitations(error)
  if (elicitations === undefined) throw error
  if (elicitations === null) return refusedUrl(call.upstream)
  if (call.caller === 'legacy') legacyRequired(elicitations)
  if (call.caller === 'none') return cannotShow(call.upstream)
  const state = mintRelayState({ ...call.owner, upstream: call.upstream, exp: now(call) + HOLD_MS })
  return modernRequired(Object.fromEntries(elicitations.map((e, i) => [String(i), e])), state)
}

/** 2026-07-28: the upstream's request waits on this user's session; the caller gets a round. */
function hold(call: RelayedCall, flight: UpstreamFlight, held: HeldElicitation): Answer {
  const desk = call.desk
  if (desk === undefined) throw new Error('unreachable: an elicitation without a desk')
  const id = randomBytes(16).toString('base64url')
  const timer = setTimeout(() => {
    if (desk.take(id) !== undefined) held.answer({ action: 'cancel' })
  }, HOLD_MS)
  timer.unref()
  desk.park(id, { flight, held, timer } satisfies Parked)
  flight.target.detach()
  const state = mintRelayState({
    ...call.owner,
    upstream: call.upstream,
    held: id,
    exp: now(call) + HOLD_MS,
  })
  return modernRequired({ [id]: held.request }, state)
}

/** The retry of a held round: the caller's answer goes upstream, the call goes on. */
async function resumeHeld(call: RelayedCall, id: string): Promise<Answer> {
  const parked = call.desk?.take(id) as Parked | undefined
  if (parked === undefined) return expiredAnswer(call.upstream)
  clearTimeout(parked.timer)
  parked.flight.target.attach(call.target)
  const response = call.ctx.mcpReq.inputResponses?.[INPUT_KEY_PREFIX + id] as
    { action?: unknown } | undefined
  const action = response?.action
  parked.held.answer({ action: action === 'accept' || action === 'decline' ? action : 'cancel' })
  return settle(call, parked.flight)
}

function declinedInRound(ctx: ServerContext): boolean {
  return Object.entries(ctx.mcpReq.inputResponses ?? {}).some(([key, value]) => {
    const action = (value as { action?: unknown } | undefined)?.action
    return key.startsWith(INPUT_KEY_PREFIX) && (action === 'decline' || action === 'cancel')
  })
}

function now(call: RelayedCall): number {
  return (call.now ?? Date.now)()
}
