/** The resource server's account-linking (connect) pages. Part of `STRINGS` (strings.ts); keys `area.what`. */
export const CONNECT_STRINGS = {
  'connect.title': 'Connect {provider}',
  'connect.asks': '{server} asks to use your {provider} account on your behalf.',
  'connect.requested': 'Access requested:',
  'connect.onlyIf': 'Only continue if you just asked for this in your application.',
  'connect.apiKey': 'Your {provider} API key',
  'connect.saveKey': 'Save key',
  'connect.continueTo': 'Continue to {provider}',
  'connect.cancel': 'Cancel',
  'connect.tooLarge': 'Request too large',
  'connect.goBack': 'Go back and try again.',
  'connect.signInFirst': 'Sign in first',
  'connect.signInFirstText': 'Sign in to this server in this browser, then open the link again.',
  'connect.notFound': 'Link not found',
  'connect.notOffered': 'Service not offered',
  'connect.notOfferedText': 'This server no longer offers this service, so it cannot be connected.',
  'connect.notFoundText': 'This link is not valid. Ask the application again for a new one.',
  'connect.notForYou': 'This link is not for you',
  'connect.notForYouText':
    'This link was created for another user. Nothing was linked. If someone sent you this link, do not use it.',
  'connect.used': 'Link already used',
  'connect.usedText':
    'This link has already been used. Ask the application again if you still need to connect.',
  'connect.usedShort': 'This link has already been used.',
  'connect.expired': 'Link expired',
  'connect.expiredText': 'This link has expired. Ask the application again for a new one.',
  'connect.noPending': 'This sign-in does not belong to a pending connection.',
  'connect.callbackOtherUser':
    'You are not signed in as the user who asked for this connection. Nothing was linked.',
  'connect.failed': 'Connection failed',
  'connect.failedText':
    'The provider did not complete the connection. Ask the application again to retry.',
  'connect.connected': 'Connected',
  'connect.connectedText':
    'Your {provider} account is connected to {server}. You can close this page and return to the application.',
  'connect.keySaved':
    'Your {provider} key is saved. You can close this page and return to the application.',
  'connect.refused': 'Request refused',
  'connect.refusedText': 'The form expired or did not come from this page. Open the link again.',
  'connect.formExpired': 'The form expired. Open the page again.',
  'connect.cancelled': 'Cancelled',
  'connect.nothingConnected': 'Nothing was connected.',
  'connect.noKey': 'No key',
  'connect.typeKey': 'Type the key and try again.',
  'connect.keyRefused': 'Key refused',
  'connect.keyRefusedText':
    'This does not look like a valid key for this provider. Ask the application again.',
  'connect.accountNotFound': 'No such account.',
} as const
