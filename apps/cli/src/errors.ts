import { BaseError } from '@airlock/errors'

/** The command line itself is wrong: unknown command, missing or malformed flag. */
export class UsageError extends BaseError {
  override name = 'Cli.UsageError'
}

/** A file named on the command line cannot be read or parsed. */
export class InputFileError extends BaseError {
  override name = 'Cli.InputFileError'
}

/** An output path exists (or is an input) and --force was not given, or it is the wrong kind of entry. */
export class OutputExistsError extends UsageError {
  override name = 'Cli.OutputExistsError'
}
