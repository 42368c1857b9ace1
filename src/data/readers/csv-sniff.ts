// Guessing a CSV file's layout from its first bytes: which delimiter, and whether the first row is a header.
import { isMissingText, parseNumberText } from '../table.js';

const QUOTE = 0x22,
  LF = 0x0a,
  CR = 0x0d,
  SPACE = 0x20,
  TAB = 0x09;
/** Candidates in order of preference when two fit equally well. */
const CANDIDATES = [',', '\t', ';', '|'];
const MAX_LINES = 200;

/**
 * The delimiter that splits the sampled lines most consistently: for each candidate, the share of lines
 * with its most common count (above zero), then that count. Quoted content is ignored, so commas inside
 * quoted text do not vote. When no candidate appears at all but every line splits on runs of blanks
 * into the same number (≥ 2) of fields, the file is blank-separated (' '); otherwise it is one column
 * and ',' is as good as any.
 */
export function detectDelimiter(buf: Uint8Array, start: number, end: number, eof: boolean): string {
  const codes = CANDIDATES.map((c) => c.charCodeAt(0));
  const perLine: number[][] = CANDIDATES.map(() => []);
  const blankFields: number[] = [];
  const counts = new Array<number>(CANDIDATES.length).fill(0);
  let inQuote = false,
    lineStart = start,
    nonBlank = false,
    fields = 0,
    inField = false;
  const finishLine = () => {
    if (nonBlank) {
      for (let k = 0; k < codes.length; k++) perLine[k].push(counts[k]);
      blankFields.push(fields);
    }
    counts.fill(0);
    nonBlank = false;
    fields = 0;
    inField = false;
  };
  for (let p = start; p < end && blankFields.length < MAX_LINES; p++) {
    const c = buf[p];
    if (c === QUOTE) inQuote = !inQuote;
    if (inQuote) {
      if (!inField) {
        inField = true;
        fields++;
      }
      nonBlank = true;
      continue;
    }
    if (c === LF) {
      finishLine();
      lineStart = p + 1;
      continue;
    }
    const blank = c === SPACE || c === TAB || c === CR;
    if (!blank) {
      nonBlank = true;
      if (!inField) {
        inField = true;
        fields++;
      }
    } else inField = false;
    for (let k = 0; k < codes.length; k++) if (c === codes[k]) counts[k]++;
  }
  // A last line without its line break is complete only at the end of the file (or when it is all we have).
  if (lineStart < end && (eof || blankFields.length === 0)) finishLine();

  let best = -1,
    bestShare = 0,
    bestMode = 0;
  for (let k = 0; k < codes.length; k++) {
    const [mode, share] = modeOf(perLine[k]);
    if (mode === 0) continue;
    if (share > bestShare || (share === bestShare && mode > bestMode)) {
      best = k;
      bestShare = share;
      bestMode = mode;
    }
  }
  if (best >= 0) return CANDIDATES[best];
  const [fieldsMode, fieldsShare] = modeOf(blankFields);
  if (fieldsMode >= 2 && fieldsShare === 1) return ' ';
  return ',';
}

/** The most common value and the share of entries holding it (0, 0 for no entries). */
function modeOf(values: number[]): [number, number] {
  if (!values.length) return [0, 0];
  const freq = new Map<number, number>();
  for (const v of values) freq.set(v, (freq.get(v) ?? 0) + 1);
  let mode = 0,
    top = 0;
  for (const [v, n] of freq)
    if (n > top || (n === top && v > mode)) {
      mode = v;
      top = n;
    }
  return [mode, top / values.length];
}

/**
 * Is rows[0] a header? A first row holding a number is data (header names are words). Otherwise each
 * column votes, in the spirit of Python's csv.Sniffer: a word above a column of numbers says header;
 * above text cells that all share one length, a cell of another length says header and one of the same
 * length says data. No votes either way means header, since that is how most exported files start.
 */
export function detectHeader(rows: readonly (readonly string[])[]): boolean {
  if (!rows.length) return false;
  const first = rows[0];
  if (first.some((cell) => parseNumberText(cell) !== null)) return false;
  let votes = 0;
  for (let j = 0; j < first.length; j++) {
    const h = first[j];
    if (isMissingText(h)) continue;
    const below = rows
      .slice(1)
      .map((r) => r[j])
      .filter((v): v is string => v !== undefined && !isMissingText(v));
    if (!below.length) continue;
    const numeric = below.filter((v) => parseNumberText(v) !== null).length;
    if (numeric === below.length) {
      votes++;
      continue;
    }
    if (numeric > 0) continue;
    const len = below[0].length;
    if (below.length >= 2 && below.every((v) => v.length === len)) votes += h.length === len ? -1 : 1;
  }
  return votes >= 0;
}
