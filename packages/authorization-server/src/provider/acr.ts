/** `acr` of a password-only sign-in (OIDC Core §2; advertised in `acr_values_supported`). */
export const ACR_PASSWORD = 'pwd'

/** `acr` of a sign-in with a second factor: what `acr_values=mfa` asks for (RFC 9470 step-up). */
export const ACR_MFA = 'mfa'
