/** Paths of oidc-provider's endpoints, under the issuer (advertised by discovery, RFC 8414). */
export const ROUTES = {
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  jwks: '/oauth/jwks',
  registration: '/oauth/register',
  introspection: '/oauth/introspect',
  revocation: '/oauth/revoke',
  userinfo: '/oauth/userinfo',
  end_session: '/oauth/logout',
  pushed_authorization_request: '/oauth/par',
  code_verification: '/oauth/device',
  device_authorization: '/oauth/device/auth',
  backchannel_authentication: '/oauth/backchannel',
  challenge: '/oauth/challenge',
} as const

/** Where oidc-provider sends the browser for login and consent (`/oauth/interaction/<uid>`). */
export const INTERACTION_PATH = '/oauth/interaction'
