export { createGateway } from './create-gateway.ts'
export type { Gateway } from './create-gateway.ts'
export { compilePolicy } from './policy/compile-policy.ts'
export type { PolicyInput } from './policy/compile-policy.ts'
export { GatewayError } from './gateway-error.ts'
export type {
  CredentialInjection,
  GatewayOptions,
  PolicyRule,
  TokenExchangeClientOptions,
  UpstreamCredential,
  UpstreamOptions,
  UpstreamTransport,
} from './options.ts'
