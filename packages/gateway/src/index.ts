export { createGateway } from './create-gateway.ts'
export type { Gateway } from './create-gateway.ts'
export type { UpstreamReload } from './upstreams/reload-upstreams.ts'
export { storeRiskHistory } from './risk/store-risk-history.ts'
export type { RiskHistory, RiskOptions, RiskSignal } from './risk/risk-signal.ts'
export { compilePolicy } from './policy/compile-policy.ts'
export type { PolicyInput } from './policy/compile-policy.ts'
export { GatewayError } from './gateway-error.ts'
export type { ApprovalBrowserUser, ApprovalOptions } from './approval/approval-options.ts'
export type {
  CredentialInjection,
  ExchangeDelivery,
  GatewayOptions,
  PolicyRule,
  TokenExchangeClientOptions,
  UpstreamCredential,
  UpstreamOptions,
  UpstreamTransport,
} from './options.ts'
