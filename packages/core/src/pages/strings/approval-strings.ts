/** The gateway's approval pages (`approve` policy action). Part of `STRINGS` (strings.ts). */
export const APPROVAL_STRINGS = {
  'approval.title': 'Approve this call?',
  'approval.asks': '{client} wants to call a tool through the gateway on your behalf.',
  'approval.upstream': 'Server',
  'approval.tool': 'Tool',
  'approval.client': 'Application',
  'approval.arguments': 'Exact arguments',
  'approval.truncated':
    'The arguments are longer than shown here. Approve only if you expect a call this large.',
  'approval.onlyIf':
    'Approve only if you just asked for this. The approval is for this call only, once.',
  'approval.approve': 'Approve',
  'approval.deny': 'Deny',
  'approval.approved': 'Call approved',
  'approval.approvedText': 'The call can run once. Go back to your application.',
  'approval.denied': 'Call denied',
  'approval.deniedText': 'The call will not run. Go back to your application.',
  'approval.notFound': 'Approval not found',
  'approval.notFoundText': 'This link is not valid. Ask the application again.',
  'approval.notForYou': 'This approval is not for you',
  'approval.notForYouText':
    'This call was asked for by another user. Nothing was approved. If someone sent you this link, do not use it.',
  'approval.gone': 'Approval no longer open',
  'approval.goneText':
    'This approval was already decided or has expired. Ask the application again.',
  'approval.mfaRequired': 'Second factor needed',
  'approval.mfaRequiredText':
    'Approving this call needs a sign-in with your second factor. Sign out, sign in again with your code, then open the link again.',
  'approval.badForm': 'The form has expired. Open the link again.',
} as const
