import * as Bytewords from './Bytewords.ts'
import * as Crc32 from './Crc32.ts'
import * as EthSignature from './keystone/EthSignature.ts'
import * as EthSignRequest from './keystone/EthSignRequest.ts'
import * as AuditLogExport from './schemas/AuditLogExport.ts'
import * as MessageRequest from './schemas/MessageRequest.ts'
import * as MessageSignature from './schemas/MessageSignature.ts'
import * as UrTypes from './schemas/names.ts'
import * as PolicyBundle from './schemas/PolicyBundle.ts'
import * as SignatureResponse from './schemas/SignatureResponse.ts'
import * as SignRequest from './schemas/SignRequest.ts'
import * as Ur from './Ur.ts'

export {
  ChecksumError,
  InvalidCborError,
  InvalidEncoderInputError,
  InvalidFieldError,
  InvalidUrTypeError,
  MalformedUrError,
  MissingFieldError,
  NewSessionError,
  NotUrError,
  OversizeError,
  UnknownFieldError,
  UnsupportedFormatVersionError,
  UrTypeMismatchError,
  WrongUrTypeError,
} from './errors.ts'
export {
  KeystoneDataTypeError,
  KeystoneMalformedError,
  KeystoneRequestIdMismatchError,
  KeystoneRequestParameterError,
  KeystoneSignatureLengthError,
  KeystoneSignatureValueError,
  KeystoneSignatureVError,
  KeystoneSignerMismatchError,
} from './keystone/errors.ts'
// Format types live in their namespaces: SignRequest.SignRequest, SignatureResponse.SignatureResponse, …
export type { TypedUr } from './schemas/codec.ts'
export type { EncodeParameters, Encoder, ParseOptions, Part, UrResult } from './Ur.ts'
export type { ProblemStatus, Progress, ReceiveStatus, UrDecoderOptions } from './UrDecoder.ts'
export { describeType, UrDecoder } from './UrDecoder.ts'
export {
  AuditLogExport,
  Bytewords,
  Crc32,
  EthSignature,
  EthSignRequest,
  MessageRequest,
  MessageSignature,
  PolicyBundle,
  SignatureResponse,
  SignRequest,
  Ur,
  UrTypes,
}
