export {
  allowNavigation,
  contentSecurityPolicy,
  hardenWebContents,
  isAppUrl,
  responseHeaders,
  webPreferences,
  windowOpenAction,
} from './hardening.ts'
