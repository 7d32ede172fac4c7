import { redact, redactString } from './redact.ts'

/** Log levels, most verbose first. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const
/** One of {@link LOG_LEVELS}; `silent` drops everything. */
export type LogLevel = (typeof LOG_LEVELS)[number]

/** Structured fields attached to a log line. Secret-looking fields are masked on write. */
export type LogFields = Readonly<Record<string, unknown>>

/** Structured JSON logger; every line is redacted (secret fields, token shapes) before it is written. */
export interface Logger {
  debug(message: string, fields?: LogFields): void
  info(message: string, fields?: LogFields): void
  warn(message: string, fields?: LogFields): void
  error(message: string, fields?: LogFields): void
  /** A logger that adds `fields` to every line it writes. */
  child(fields: LogFields): Logger
}

/** Level, sink and clock of {@link createLogger}. */
export interface LoggerOptions {
  /** Lines below this level are dropped. Default `info`. */
  level?: LogLevel
  /** Receives one serialised JSON line (with trailing newline). Default: standard output. */
  write?: (line: string) => void
  /** Clock, for tests. */
  now?: () => Date
}

/**
 * A JSON-lines logger whose redaction cannot be bypassed: every message and field passes
 * through {@link redact} before it is serialised.
 */
export function createLogger(options: LoggerOptions = {}, bound: LogFields = {}): Logger {
  const threshold = LOG_LEVELS.indexOf(options.level ?? 'info')
  const write = options.write ?? ((line: string) => process.stdout.write(line))
  const now = options.now ?? (() => new Date())

  const emit = (level: LogLevel, message: string, fields?: LogFields): void => {
    if (LOG_LEVELS.indexOf(level) < threshold) return
    const line = {
      time: now().toISOString(),
      level,
      msg: redactString(message),
      ...(redact({ ...bound, ...fields }) as Record<string, unknown>),
    }
    write(`${JSON.stringify(line)}\n`)
  }

  return {
    debug: (message, fields) => {
      emit('debug', message, fields)
    },
    info: (message, fields) => {
      emit('info', message, fields)
    },
    warn: (message, fields) => {
      emit('warn', message, fields)
    },
    error: (message, fields) => {
      emit('error', message, fields)
    },
    child: (fields) => createLogger(options, { ...bound, ...fields }),
  }
}

/** A logger that writes nothing. */
export const silentLogger: Logger = createLogger({ level: 'silent' })
