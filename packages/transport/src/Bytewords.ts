import * as Crc32 from './Crc32.ts'
import { ChecksumError, MalformedUrError } from './errors.ts'

// The 256 four-letter words of Blockchain Commons' bytewords (BCR-2020-012). The first and last letters of
// each word are unique, which is what makes the two-letter minimal style (used in URs) decodable.
const WORDS =
  'ableacidalsoapexaquaarchatomauntawayaxisbackbaldbarnbeltbetabiasbluebodybragbrewbulbbuzzcalmcashcatschefcityclawcodecolacookcostcruxcurlcuspcyandarkdatadaysdelidicedietdoordowndrawdropdrumdulldutyeacheasyechoedgeepicevenexamexiteyesfactfairfernfigsfilmfishfizzflapflewfluxfoxyfreefrogfuelfundgalagamegeargemsgiftgirlglowgoodgraygrimgurugushgyrohalfhanghardhawkheathelphighhillholyhopehornhutsicedideaidleinchinkyintoirisironitemjadejazzjoinjoltjowljudojugsjumpjunkjurykeepkenokeptkeyskickkilnkingkitekiwiknoblamblavalazyleaflegsliarlimplionlistlogoloudloveluaulucklungmainmanymathmazememomenumeowmildmintmissmonknailnavyneednewsnextnoonnotenumbobeyoboeomitonyxopenovalowlspaidpartpeckplaypluspoempoolposepuffpumapurrquadquizraceramprealredorichroadrockroofrubyruinrunsrustsafesagascarsetssilkskewslotsoapsolosongstubsurfswantacotasktaxitenttiedtimetinytoiltombtoystriptunatwinuglyundouniturgeuservastveryvetovialvibeviewvisavoidvowswallwandwarmwaspwavewaxywebswhatwhenwhizwolfworkyankyawnyellyogayurtzapszerozestzinczonezoom'

export type Style = 'standard' | 'uri' | 'minimal'

const words: string[] = Array.from({ length: 256 }, (_, i) => WORDS.slice(i * 4, i * 4 + 4))
const minimalWords: string[] = words.map((word) => word[0]! + word[3]!)

// Lookup by first and last letter (26 x 26), -1 where no word exists.
const byEnds = new Int16Array(26 * 26).fill(-1)
for (let i = 0; i < 256; i++) {
  const word = words[i]!
  byEnds[(word.charCodeAt(0) - 97) * 26 + (word.charCodeAt(3) - 97)] = i
}

/**
 * Encodes bytes as bytewords with the CRC-32 appended.
 *
 * @example
 * Bytewords.encode(new Uint8Array([0, 1]), { style: 'minimal' }) // 'aead…'
 */
export function encode(bytes: Uint8Array, { style = 'minimal' }: { style?: Style | undefined } = {}): string {
  const body = new Uint8Array(bytes.length + 4)
  body.set(bytes)
  body.set(Crc32.bytes(bytes), bytes.length)
  const table = style === 'minimal' ? minimalWords : words
  const out: string[] = new Array(body.length)
  for (let i = 0; i < body.length; i++) out[i] = table[body[i]!]!
  return out.join(style === 'standard' ? ' ' : style === 'uri' ? '-' : '')
}

/**
 * Decodes bytewords (any case), verifying and stripping the CRC-32.
 * Throws `MalformedUrError` for a non-word and `ChecksumError` (scope `part`) for a CRC mismatch.
 *
 * @example
 * Bytewords.decode('AEADOSKNYNEH', { style: 'minimal' })
 */
export function decode(text: string, { style = 'minimal' }: { style?: Style | undefined } = {}): Uint8Array {
  const lower = text.toLowerCase()
  let tokens: string[]
  if (style === 'minimal') {
    if (lower.length % 2 !== 0) throw malformed('an odd number of letters')
    tokens = []
    for (let i = 0; i < lower.length; i += 2) tokens.push(lower.slice(i, i + 2))
  } else {
    tokens = lower.split(style === 'standard' ? ' ' : '-')
  }
  if (tokens.length < 5) throw malformed('fewer than 5 words (a checksum alone is 4)')
  const out = new Uint8Array(tokens.length)
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!
    const value = lookup(token, style === 'minimal' ? 2 : 4)
    if (value === undefined) throw malformed(`"${token.slice(0, 8)}" is not a byteword`)
    out[i] = value
  }
  const body = out.subarray(0, out.length - 4)
  const expected = Crc32.checksum(body)
  const view = new DataView(out.buffer, out.byteOffset + out.length - 4, 4)
  if (view.getUint32(0) !== expected) {
    throw new ChecksumError('A QR frame was misread (its checksum does not match).', {
      scope: 'part',
      hint: 'Keep the camera steady on the code; the frame will be read again.',
      details: `bytewords CRC32 ${view.getUint32(0).toString(16)} != computed ${expected.toString(16)}`,
    })
  }
  return body.slice()
}

function lookup(token: string, length: 2 | 4): number | undefined {
  if (token.length !== length) return undefined
  const first = token.charCodeAt(0) - 97
  const last = token.charCodeAt(length - 1) - 97
  if (first < 0 || first > 25 || last < 0 || last > 25) return undefined
  const value = byEnds[first * 26 + last]!
  if (value < 0) return undefined
  if (length === 4 && words[value] !== token) return undefined
  return value
}

function malformed(what: string): MalformedUrError {
  return new MalformedUrError('The QR code’s data is damaged or not a UR body.', {
    hint: 'Scan the code again; if it keeps failing, regenerate it on the sending device.',
    details: `bytewords: ${what}`,
  })
}
