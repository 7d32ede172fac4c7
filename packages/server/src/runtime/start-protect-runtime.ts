import type { ProtectConfig } from '../config/resolve-protect-config.ts'
import { createDpopNonces } from '../dpop/dpop-nonces.ts'
import type { AuthSettings } from '../http/auth-settings.ts'
import { NotificationStreams } from '../http/notification-stream.ts'
import { ResumableStreams } from '../http/resumable-streams.ts'
import { createScopeGate } from '../http/scope-gate.ts'
import type { ScopeGate } from '../http/scope-gate.ts'
import { memoryReplayCache } from '../lib/memory-replay.ts'
import { TaskRegistry } from '../tasks/task-registry.ts'
import { buildVerifier } from '../verify/build-verifier.ts'
import { RevocationListener } from '../verify/revocation-listener.ts'
import type { TokenVerifier } from '../verify/verified-token.ts'
import { createSdkHandler } from './create-sdk-handler.ts'
import type { SdkHandler } from './create-sdk-handler.ts'

/** The live parts of one protected endpoint, built once from its config. */
export interface ProtectRuntime {
  readonly config: ProtectConfig
  /** The one place where scopes and step-up requirements are checked. */
  readonly gate: ScopeGate
  /** `undefined` in unauthenticated test mode. */
  readonly auth: AuthSettings | undefined
  readonly verifier: TokenVerifier | undefined
  readonly revocations: RevocationListener | undefined
  readonly streams: NotificationStreams | undefined
  /** The 2025-11-25 POST streams of this instance, kept for `Last-Event-ID` resumption. */
  readonly resumable: ResumableStreams
  /** SEP-2663 tasks created on this instance, each readable by its owner only. */
  readonly tasks: TaskRegistry
  readonly mcp: SdkHandler
}

/**
 * Starts what a protected endpoint needs besides its config: the revocation listener (it
 * subscribes at once), the token verifier, DPoP nonces and replay cache, notification streams,
 * resumable POST streams, the task registry and the SDK handler.
 */
export function startProtectRuntime(config: ProtectConfig): ProtectRuntime {
  const source = config.revocationFeed ?? config.store
  const revocations =
    source === undefined
      ? undefined
      : new RevocationListener(source, { staleAfterMs: config.revocationStaleAfterMs })
  const verifier = config.testMode
    ? undefined
    : buildVerifier(config.verifier, config.canonicalResource, config.now, revocations)
  const gate = createScopeGate(config)
  const tasks = new TaskRegistry(config.tasks, config.now, (check) =>
    revocations === undefined ? () => undefined : revocations.onEvent(check),
  )
  return {
    config,
    gate,
    auth: verifier === undefined ? undefined : authSettings(config, verifier, revocations),
    verifier,
    revocations,
    streams:
      config.notifications === undefined
        ? undefined
        : new NotificationStreams(config.notifications, config.logger, config.now),
    resumable: new ResumableStreams(config.now),
    tasks,
    mcp: createSdkHandler(config, gate, tasks),
  }
}

/** Ends streams, timers and subscriptions. */
export async function stopProtectRuntime(runtime: ProtectRuntime): Promise<void> {
  runtime.streams?.closeAll()
  runtime.resumable.closeAll()
  runtime.tasks.closeAll()
  runtime.verifier?.close?.()
  runtime.revocations?.close()
  await runtime.mcp.close()
}

function authSettings(
  config: ProtectConfig,
  verifier: TokenVerifier,
  revocations: RevocationListener | undefined,
): AuthSettings {
  const { dpop, store } = config
  return {
    verifier,
    resource: config.resource,
    challenge: config.challenge,
    dpop: {
      required: dpop.required,
      algorithms: dpop.algorithms,
      maxAgeSeconds: dpop.maxAgeSeconds,
      clockToleranceSeconds: dpop.clockToleranceSeconds,
      nonces:
        dpop.nonce === false ? undefined : createDpopNonces({ ...dpop.nonce, now: config.now }),
      replay:
        store === undefined
          ? memoryReplayCache({ now: config.now, onFull: replayCacheFull(config) })
          : (key, ttl) => store.setIfAbsent(key, ttl),
    },
    revocations,
    logger: config.logger,
    now: config.now,
  }
}

// No key or proof in the line: only how full the cache is.
function replayCacheFull(config: ProtectConfig): (entries: number) => void {
  return (entries) => {
    config.logger.warn('dpop replay cache full, refusing dpop proofs', { entries })
  }
}
