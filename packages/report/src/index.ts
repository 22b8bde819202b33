/** The security lead's report over signer logs (built in the report issue). */
export const REPORT_FORMATS = ['html', 'csv', 'json'] as const
