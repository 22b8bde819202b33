export type { BaseErrorParameters } from './BaseError.ts'
export { BaseError, isBaseError } from './BaseError.ts'
export { printable } from './printable.ts'
