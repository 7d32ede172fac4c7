import type { OAuthProviderDefinition } from './provider-definition.ts'

/**
 * Curated providers. Facts (endpoints, scope separator, PKCE, refresh and revocation
 * behaviour) come from each provider's public documentation, linked in `docs` and summarised
 * in docs/vault.md. Operators supply the client registration; everything else is here.
 */
export const PROVIDER_PRESETS: Readonly<Record<string, OAuthProviderDefinition>> = {
  github: {
    id: 'github',
    kind: 'oauth2',
    display_name: 'GitHub',
    issuer: 'https://github.com/login/oauth',
    authorization_endpoint: 'https://github.com/login/oauth/authorize',
    token_endpoint: 'https://github.com/login/oauth/access_token',
    // The request takes space-delimited scopes; the token response lists them comma-separated.
    scope_separator: ' ',
    response_scope_separator: ',',
    // Token errors (e.g. `bad_verification_code`, `bad_refresh_token`) come with HTTP 200.
    token_response: 'error_as_200',
    pkce: 'supported',
    token_endpoint_auth_method: 'client_secret_post',
    // GitHub App user tokens expire (8 h) with single-use refresh tokens; OAuth App tokens do not.
    refresh: 'optional_rotation',
    // Only the non-standard `DELETE /applications/{client_id}/token` API exists.
    revocation: 'none',
    docs: [
      'https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps',
      'https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens',
    ],
  },
  google: {
    id: 'google',
    kind: 'oidc',
    display_name: 'Google',
    issuer: 'https://accounts.google.com',
    authorization_endpoint: 'https://accounts.google.com/o/oauth2/v2/auth',
    token_endpoint: 'https://oauth2.googleapis.com/token',
    revocation_endpoint: 'https://oauth2.googleapis.com/revoke',
    userinfo_endpoint: 'https://openidconnect.googleapis.com/v1/userinfo',
    scope_separator: ' ',
    default_scopes: ['openid'],
    // A refresh token is only issued for offline access; `prompt=consent` re-issues one on relink.
    authorization_params: { access_type: 'offline', prompt: 'consent' },
    pkce: 'supported',
    token_endpoint_auth_method: 'client_secret_post',
    refresh: 'reusable',
    revocation: 'rfc7009',
    docs: [
      'https://developers.google.com/identity/protocols/oauth2/web-server',
      'https://accounts.google.com/.well-known/openid-configuration',
    ],
  },
  microsoft: {
    id: 'microsoft',
    // Multi-tenant `common` metadata has a templated issuer, so it is used as plain OAuth 2.0.
    kind: 'oauth2',
    display_name: 'Microsoft',
    issuer: 'https://login.microsoftonline.com/common/v2.0',
    authorization_endpoint: 'https://login.microsoftonline.com/common/oauth2/v2.0/authorize',
    token_endpoint: 'https://login.microsoftonline.com/common/oauth2/v2.0/token',
    scope_separator: ' ',
    default_scopes: ['offline_access'],
    pkce: 'supported',
    token_endpoint_auth_method: 'client_secret_post',
    // Each refresh returns a new refresh token; store it (older ones stay valid until expiry).
    refresh: 'optional_rotation',
    // Microsoft identity platform has no RFC 7009 endpoint (revokeSignInSessions is per user).
    revocation: 'none',
    docs: [
      'https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow',
      'https://learn.microsoft.com/en-us/entra/identity-platform/refresh-tokens',
    ],
  },
  slack: {
    id: 'slack',
    kind: 'oauth2',
    display_name: 'Slack',
    issuer: 'https://slack.com',
    authorization_endpoint: 'https://slack.com/oauth/v2/authorize',
    token_endpoint: 'https://slack.com/api/oauth.v2.access',
    scope_separator: ',',
    // Acting as the user needs a user token: `user_scope` in the request, and the token nested
    // in `authed_user` of the response (`scope` would ask for a bot token).
    scope_parameter: 'user_scope',
    token_response: 'slack_authed_user',
    pkce: 'unsupported',
    token_endpoint_auth_method: 'client_secret_post',
    // With token rotation enabled, tokens expire after 12 h and each refresh rotates.
    refresh: 'optional_rotation',
    // Only the non-standard `auth.revoke` Web API method exists.
    revocation: 'none',
    docs: [
      'https://api.slack.com/authentication/oauth-v2',
      'https://api.slack.com/authentication/rotation',
    ],
  },
  atlassian: {
    id: 'atlassian',
    kind: 'oauth2',
    display_name: 'Atlassian',
    issuer: 'https://auth.atlassian.com',
    authorization_endpoint: 'https://auth.atlassian.com/authorize',
    token_endpoint: 'https://auth.atlassian.com/oauth/token',
    scope_separator: ' ',
    default_scopes: ['offline_access'],
    authorization_params: { audience: 'api.atlassian.com', prompt: 'consent' },
    pkce: 'unsupported',
    token_endpoint_auth_method: 'client_secret_post',
    // Rotating refresh tokens: each refresh returns a new one and invalidates the old.
    refresh: 'rotating',
    revocation: 'none',
    docs: ['https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/'],
  },
  gitlab: {
    id: 'gitlab',
    kind: 'oidc',
    display_name: 'GitLab',
    issuer: 'https://gitlab.com',
    authorization_endpoint: 'https://gitlab.com/oauth/authorize',
    token_endpoint: 'https://gitlab.com/oauth/token',
    revocation_endpoint: 'https://gitlab.com/oauth/revoke',
    userinfo_endpoint: 'https://gitlab.com/oauth/userinfo',
    scope_separator: ' ',
    pkce: 'supported',
    token_endpoint_auth_method: 'client_secret_post',
    refresh: 'rotating',
    revocation: 'rfc7009',
    docs: [
      'https://docs.gitlab.com/api/oauth2/',
      'https://gitlab.com/.well-known/openid-configuration',
    ],
  },
  notion: {
    id: 'notion',
    kind: 'oauth2',
    display_name: 'Notion',
    issuer: 'https://api.notion.com',
    authorization_endpoint: 'https://api.notion.com/v1/oauth/authorize',
    token_endpoint: 'https://api.notion.com/v1/oauth/token',
    // Notion has no scopes: access is chosen page by page in its consent screen.
    scope_separator: ' ',
    authorization_params: { owner: 'user' },
    pkce: 'unsupported',
    token_endpoint_auth_method: 'client_secret_basic',
    refresh: 'optional_rotation',
    revocation: 'none',
    docs: ['https://developers.notion.com/docs/authorization'],
  },
  linear: {
    id: 'linear',
    kind: 'oauth2',
    display_name: 'Linear',
    issuer: 'https://linear.app',
    authorization_endpoint: 'https://linear.app/oauth/authorize',
    token_endpoint: 'https://api.linear.app/oauth/token',
    revocation_endpoint: 'https://api.linear.app/oauth/revoke',
    scope_separator: ',',
    default_scopes: ['read'],
    pkce: 'supported',
    token_endpoint_auth_method: 'client_secret_post',
    refresh: 'rotating',
    revocation: 'rfc7009',
    docs: ['https://linear.app/developers/oauth-2-0-authentication'],
  },
  dropbox: {
    id: 'dropbox',
    kind: 'oauth2',
    display_name: 'Dropbox',
    issuer: 'https://www.dropbox.com',
    authorization_endpoint: 'https://www.dropbox.com/oauth2/authorize',
    token_endpoint: 'https://api.dropboxapi.com/oauth2/token',
    scope_separator: ' ',
    // Short-lived access tokens plus a long-lived refresh token only with `offline`.
    authorization_params: { token_access_type: 'offline' },
    pkce: 'supported',
    token_endpoint_auth_method: 'client_secret_post',
    refresh: 'reusable',
    // Only the non-standard `/2/auth/token/revoke` RPC exists.
    revocation: 'none',
    docs: [
      'https://developers.dropbox.com/oauth-guide',
      'https://www.dropbox.com/developers/documentation/http/documentation#oauth2-authorize',
    ],
  },
  salesforce: {
    id: 'salesforce',
    kind: 'oidc',
    display_name: 'Salesforce',
    issuer: 'https://login.salesforce.com',
    authorization_endpoint: 'https://login.salesforce.com/services/oauth2/authorize',
    token_endpoint: 'https://login.salesforce.com/services/oauth2/token',
    revocation_endpoint: 'https://login.salesforce.com/services/oauth2/revoke',
    userinfo_endpoint: 'https://login.salesforce.com/services/oauth2/userinfo',
    scope_separator: ' ',
    default_scopes: ['refresh_token', 'api'],
    pkce: 'supported',
    token_endpoint_auth_method: 'client_secret_post',
    // Refresh tokens are reusable unless the connected app enables rotation.
    refresh: 'optional_rotation',
    revocation: 'rfc7009',
    docs: [
      'https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm',
      'https://help.salesforce.com/s/articleView?id=sf.remoteaccess_revoke_token.htm',
    ],
  },
  zoom: {
    id: 'zoom',
    kind: 'oauth2',
    display_name: 'Zoom',
    issuer: 'https://zoom.us',
    authorization_endpoint: 'https://zoom.us/oauth/authorize',
    token_endpoint: 'https://zoom.us/oauth/token',
    revocation_endpoint: 'https://zoom.us/oauth/revoke',
    scope_separator: ' ',
    pkce: 'supported',
    token_endpoint_auth_method: 'client_secret_basic',
    // Each refresh returns a new refresh token and invalidates the previous one.
    refresh: 'rotating',
    revocation: 'rfc7009',
    docs: ['https://developers.zoom.us/docs/integrations/oauth/'],
  },
}
