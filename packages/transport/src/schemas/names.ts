// The registered UR type names of Airlock's own formats (lowercase-with-dashes, per the UR rules).
// Kept apart from the schemas so the decoder can name them without importing the codecs.

export const SIGN_REQUEST = 'airlock-sign-request'
export const SIGNATURE = 'airlock-signature'
export const POLICY_BUNDLE = 'airlock-policy-bundle'
export const AUDIT_LOG = 'airlock-audit-log'
export const MESSAGE_REQUEST = 'airlock-message-request'
export const MESSAGE_SIGNATURE = 'airlock-message-signature'
