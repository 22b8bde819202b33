import * as Json from './Json.ts'

export type { BaseErrorParameters } from './BaseError.ts'
export { BaseError, isBaseError } from './BaseError.ts'
export { FileSystemError, systemErrorOf } from './FileSystemError.ts'
export type { ParseOptions as JsonParseOptions } from './Json.ts'
export { InvalidJsonError, JsonTooDeepError, JsonTooLargeError } from './Json.ts'
export { printable } from './printable.ts'
export { Json }
