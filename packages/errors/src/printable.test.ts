import { expect, test } from 'vitest'
import { printable } from './printable.ts'

test('shows every terminal control character as a visible escape and leaves other text alone', () => {
  expect(printable('pay\u001b[2K\rlegit')).toBe('pay\\u{1b}[2K\\u{d}legit')
  // C1 CSI (acts as ESC [ on some terminals), DEL, bidirectional overrides and isolates.
  expect(printable('\u009b31m\u007f\u202eexe.txt\u2066x\u2069\u200f')).toBe(
    '\\u{9b}31m\\u{7f}\\u{202e}exe.txt\\u{2066}x\\u{2069}\\u{200f}',
  )
  expect(printable('Überweisung 100 € → 0xAbC… ✓ 日本')).toBe('Überweisung 100 € → 0xAbC… ✓ 日本')
  for (let code = 0; code < 0x20; code++)
    expect(printable(String.fromCharCode(code))).toMatch(/^\\u\{[0-9a-f]+\}$/)
})
