// parseNumberBytes: the byte-level twin of table.ts's parseNumberText, so readers parse numbers without a string per cell.
import { parseNumberText, MAX_INTEGER_DIGITS } from '../table.js';

// Exact powers of ten: every one up to 1e22 is a double without rounding, which makes the fast path below exact.
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');

/**
 * The number written in bytes[start, end), or NaN when parseNumberText would say "not a number" (it never
 * returns NaN itself, so NaN is free to mean "text"). It accepts and rejects exactly what parseNumberText
 * does and gives the same double: digits with at most 15 significant figures and a small exponent are
 * converted exactly (Clinger's fast path: one correctly rounded multiply or divide); anything longer is
 * handed to Number(), the same conversion parseNumberText uses.
 */
export function parseNumberBytes(bytes: Uint8Array, start: number, end: number): number {
  let s = start,
    e = end;
  // String.prototype.trim's ASCII whitespace; other Unicode whitespace is left to the string path.
  while (s < e && isAsciiSpace(bytes[s])) s++;
  while (e > s && isAsciiSpace(bytes[e - 1])) e--;
  if (s === e) return NaN;
  if (bytes[s] >= 0x80 || bytes[e - 1] >= 0x80) return slowPath(bytes, start, end);

  let p = s;
  let c = bytes[p];
  const negative = c === 0x2d; // -
  if (negative || c === 0x2b /* + */) p++;

  // Every digit goes into the mantissa: leading zeros add nothing, and more than 15 digits take the slow path.
  let mantissa = 0;
  const intStart = p;
  while (p < e && (c = bytes[p] - 48) >= 0 && c <= 9) {
    mantissa = mantissa * 10 + c;
    p++;
  }
  const intDigits = p - intStart;
  // "007" is a code, not a number: more than one integer digit may not start with 0.
  if (intDigits > 1 && bytes[intStart] === 0x30) return NaN;
  let fracDigits = 0;
  const hasDot = p < e && bytes[p] === 0x2e;
  if (hasDot) {
    const fracStart = ++p;
    while (p < e && (c = bytes[p] - 48) >= 0 && c <= 9) {
      mantissa = mantissa * 10 + c;
      p++;
    }
    fracDigits = p - fracStart;
  }
  if (intDigits + fracDigits === 0) return NaN;
  // Plain integers past double precision are keys (tweet ids, card and ID numbers): keep every digit as text.
  if (!hasDot && p === e && intDigits > MAX_INTEGER_DIGITS) return NaN;
  let scale = -fracDigits;
  if (p < e) {
    c = bytes[p];
    if (c !== 0x65 && c !== 0x45) return NaN; // e E
    p++;
    let expNegative = false;
    if (p < e && (bytes[p] === 0x2d || bytes[p] === 0x2b)) {
      expNegative = bytes[p] === 0x2d;
      p++;
    }
    const expStart = p;
    let exponent = 0;
    while (p < e && (c = bytes[p] - 48) >= 0 && c <= 9) {
      if (exponent < 100_000) exponent = exponent * 10 + c;
      p++;
    }
    if (p === expStart || p !== e) return NaN;
    scale += expNegative ? -exponent : exponent;
  }

  if (mantissa === 0) return negative ? -0 : 0;
  if (intDigits + fracDigits > 15 || scale < -22 || scale > 22) {
    // Long mantissas and big exponents need correct rounding from all the digits: let the engine do it.
    return Number(latin1.decode(bytes.subarray(s, e)));
  }
  const value = scale >= 0 ? mantissa * POW10[scale] : mantissa / POW10[-scale];
  return negative ? -value : value;
}

function slowPath(bytes: Uint8Array, start: number, end: number): number {
  const n = parseNumberText(utf8.decode(bytes.subarray(start, end)));
  return n === null ? NaN : n;
}

/** Tab, LF, VT, FF, CR and space. */
function isAsciiSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}
