export { MandateError, ConfigurationError } from './errors.ts'
export { createLogger, silentLogger, LOG_LEVELS } from './log/logger.ts'
export type { Logger, LoggerOptions, LogFields, LogLevel } from './log/logger.ts'
export { redact, redactString, redactUrl, isSecretField, REDACTED } from './log/redact.ts'
