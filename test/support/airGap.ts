// Moves a UR across the air gap as QR frames through a simulated camera (every 5th frame missed,
// camera degradation seeded), as the e2e suites do between coordinator and signer.
import { type TypedUr, Ur, UrDecoder } from '@airlock/transport'
import { Degrade, QrCode, QrDensity, type QrReader } from '@airlock/transport/images'

/** The UR as the other side scans it; throws when the frames do not converge. */
export async function airGap(reader: QrReader.QrReader, ur: TypedUr, seed: number): Promise<TypedUr> {
  const plan = QrDensity.tune({ messageBytes: ur.payload.length, type: ur.type })
  const encoder = Ur.encode({ ...ur, maxFragmentLength: plan.maxFragmentLength })
  const decoder = new UrDecoder({ expectedTypes: [ur.type] })
  const rng = Degrade.createRng(seed)
  for (let shown = 1; shown <= 20 * encoder.fragmentCount + 20; shown++) {
    const qr = QrCode.encode(encoder.nextPart(), { ecLevel: plan.ecLevel, version: plan.version })
    if (shown % 5 === 0) continue
    for (const symbol of await reader.read(Degrade.camera(QrCode.toRgba(qr, { scale: 3 }), { rng }))) {
      const status = decoder.receive(symbol.text)
      if (status.status === 'complete') return status.result
    }
  }
  throw new Error('the air gap did not converge')
}
