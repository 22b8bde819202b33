import * as Degrade from './degrade.ts'
import * as QrCode from './QrCode.ts'
import * as QrDensity from './QrDensity.ts'
import * as QrReader from './QrReader.ts'
import * as RgbaFrame from './RgbaFrame.ts'

export type { CameraParameters, ExposeParameters, PlaceParameters, Rng } from './degrade.ts'
export {
  InvalidDensityError,
  InvalidFrameError,
  QrDecodeError,
  QrEncodeError,
  ZxingLoadError,
} from './errors.ts'
// Node only, but free of static node: imports (see the file), so this index stays portable.
export { loadZxingReaderWasm } from './loadZxingWasm.node.ts'
export type {
  EcLevel,
  EncodeParameters as QrEncodeParameters,
  LayoutParameters,
  QrCode as QrMatrix,
  QrMode,
  RasterParameters,
} from './QrCode.ts'
export type { DensityPlan, TuneParameters } from './QrDensity.ts'
export type {
  CreateParameters as QrReaderParameters,
  QrReader as QrFrameReader,
  QrSymbol,
} from './QrReader.ts'
export type { RgbaFrame as RgbaImage } from './RgbaFrame.ts'
export { Degrade, QrCode, QrDensity, QrReader, RgbaFrame }
