import * as Degrade from './degrade.ts'
import * as Png from './png.ts'
import * as QrCode from './QrCode.ts'
import * as QrDensity from './QrDensity.ts'
import * as QrReader from './QrReader.ts'
import * as QrSender from './QrSender.ts'
import * as RgbaFrame from './RgbaFrame.ts'
import * as ScanHints from './ScanHints.ts'

// Node only, but free of static node: imports (see the files), so this index stays portable.
export { decodePng } from './decodePng.node.ts'
export type {
  CameraParameters,
  ExposeParameters,
  PlaceParameters,
  Rng,
  ScreenImage,
  Webcam,
  WebcamParameters,
  WebcamSetup,
} from './degrade.ts'
export {
  ImageTooLargeError,
  InvalidDensityError,
  InvalidFrameError,
  InvalidImageError,
  QrDecodeError,
  QrEncodeError,
  ZxingLoadError,
} from './errors.ts'
export { loadZxingReaderWasm } from './loadZxingWasm.node.ts'
export type { PngHeader } from './png.ts'
export type {
  EcLevel,
  EncodeParameters as QrEncodeParameters,
  LayoutParameters,
  QrCode as QrMatrix,
  QrMode,
  RasterParameters,
} from './QrCode.ts'
export type { DensityPlan, InterleavedPlan, KeystoneParameters, TuneParameters } from './QrDensity.ts'
export type {
  CreateParameters as QrReaderParameters,
  QrReader as QrFrameReader,
  QrSymbol,
} from './QrReader.ts'
export type { Frame as SenderFrame, Session as SenderSession } from './QrSender.ts'
export type { RgbaFrame as RgbaImage } from './RgbaFrame.ts'
export type { Hint as ScanHint, Observation as ScanObservation } from './ScanHints.ts'
export { Degrade, Png, QrCode, QrDensity, QrReader, QrSender, RgbaFrame, ScanHints }
