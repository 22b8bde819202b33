/**
 * Text made safe to show on a terminal. Whatever reaches a screen may have come from outside (a
 * coordinator's title, a string inside calldata, an edited log), and control characters can move
 * the cursor, erase or recolour lines, or reorder text (bidirectional overrides), so a reviewer
 * would read something other than what is there. Each C0 and C1 control, DEL, and bidirectional
 * control is shown as a visible `\u{…}` escape instead; everything else is left as it is.
 *
 * @example
 * printable('pay\u001b[2K\rlegit') // 'pay\\u{1b}[2K\\u{d}legit'
 */
export function printable(text: string): string {
  return text.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
    /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u{${(c.codePointAt(0) as number).toString(16)}}`,
  )
}
