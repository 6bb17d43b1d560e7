// Text that came from someone else (an employee's exception reason, an event message, a path in a user's home,
// a server's error) is printed to IT's or the employee's terminal only after its terminal control sequences are
// removed: otherwise a reason like "\x1b]52;c;…\x07" writes the clipboard, "\x1b[2J" clears the screen, and an
// OSC 8 link or a cursor move hides or forges what the reader sees. ESC sequences (CSI, OSC, DCS, SOS, PM, APC
// and two-byte ones), their 8-bit C1 forms, the other C0/C1 controls and DEL are removed, as are the Unicode
// bidirectional overrides that reorder what is shown.

// eslint-disable-next-line no-control-regex
const STRING_SEQUENCE = /(?:\x1b[\]P X^_]|[\x90\x98\x9d\x9e\x9f])[\s\S]*?(?:\x07|\x1b\\|\x9c|$)/g;
// eslint-disable-next-line no-control-regex
const CSI = /(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?/g;
// eslint-disable-next-line no-control-regex
const OTHER_ESCAPE = /\x1b[\x20-\x2f]*[\x30-\x7e]?/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** The text without terminal control sequences; newlines and tabs stay (multi-line output). */
export function terminalSafe(text: string): string {
  return text.replace(STRING_SEQUENCE, '').replace(CSI, '').replace(OTHER_ESCAPE, '').replace(CONTROL, '');
}

/** As terminalSafe, for one field on one line: a newline or tab in it cannot fake another row. */
export function terminalSafeLine(text: string): string {
  return terminalSafe(text.replace(/[\n\t]/g, ' '));
}
