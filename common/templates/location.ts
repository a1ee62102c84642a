/**
 * Source positions as Go reports them: Go counts bytes (UTF-8), the engine works on UTF-16
 * offsets, so columns are converted here, once, when an error is built.
 */

/** Go's ErrorContext column: bytes from the start of the line to `pos` (0-based). */
export function byteColumn(text: string, pos: number): number {
  const before = text.slice(0, pos);
  const lineStart = before.lastIndexOf('\n') + 1;
  return Buffer.byteLength(before.slice(lineStart), 'utf8');
}

/** Go's ErrorContext line: 1 + newlines before `pos`. */
export function lineAt(text: string, pos: number): number {
  let n = 1;
  for (let i = 0; i < pos && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}
