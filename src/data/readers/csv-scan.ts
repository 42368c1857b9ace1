// RowScanner: finds the fields of one CSV row in a byte buffer (RFC 4180 quoting), without decoding anything.

const QUOTE = 0x22,
  LF = 0x0a,
  CR = 0x0d,
  SPACE = 0x20,
  TAB = 0x09;

/** Field flags: the field was quoted; its text holds "" pairs that stand for one quote. */
export const QUOTED = 1,
  ESCAPED = 2;

/** scan() result when the buffer ends inside the row and more bytes may follow. */
export const INCOMPLETE = -1;

/**
 * Scans rows one at a time so the reader can stream: a row that runs past the end of the buffer is
 * reported INCOMPLETE and scanned again once more bytes arrived, and nothing is appended until the
 * whole row is known (a malformed row can then be skipped without undoing anything).
 *
 * Line endings are LF or CRLF (a CR right before the LF is dropped); lines are counted on LF, including
 * the ones inside quoted fields, so every row knows the line it starts on. In whitespace mode
 * (delimiter ' ') fields are separated by runs of spaces and tabs and a line's leading and trailing
 * blanks are ignored, the layout of fixed-width scientific exports such as NASA's C-MAPSS.
 */
export class RowScanner {
  /** Field i of the last row is bytes [starts[i], ends[i]) with flags[i] (for i below maxFields). */
  starts = new Int32Array(64);
  ends = new Int32Array(64);
  flags = new Uint8Array(64);
  count = 0;
  /** The line the next row starts on (1-based), and the one the last scanned row started on. */
  line = 1;
  rowLine = 1;
  /** Why the last row is malformed, or null; a malformed row is still scanned to its end. */
  error: string | null = null;
  /** The last row's error is a quote still open at the end of the input. */
  unterminated = false;
  private readonly delimiter: number;
  private readonly whitespace: boolean;

  /**
   * `maxFields`: the most fields stored per row. `count` goes on counting past it (fields beyond are not
   * kept), so a reader can refuse a row of millions of fields without holding their offsets.
   */
  constructor(
    delimiter: string,
    private readonly maxFields = Infinity,
  ) {
    this.whitespace = delimiter === ' ';
    this.delimiter = delimiter.charCodeAt(0);
  }

  /**
   * Scans the row starting at p. Returns the offset just past it, or INCOMPLETE when the buffer ends
   * first and !eof (the scanner's line is then unchanged). At eof with p === end there is no row: it
   * returns p with count 0. A row that is only an empty line has count 1 and an empty unquoted field.
   */
  scan(buf: Uint8Array, p: number, end: number, eof: boolean): number {
    this.rowLine = this.line;
    this.count = 0;
    this.error = null;
    this.unterminated = false;
    if (p >= end) return eof ? p : INCOMPLETE;
    const r = this.whitespace ? this.scanBlankSeparated(buf, p, end, eof) : this.scanDelimited(buf, p, end, eof);
    if (r === INCOMPLETE) this.line = this.rowLine;
    return r;
  }

  private scanDelimited(buf: Uint8Array, p: number, end: number, eof: boolean): number {
    const d = this.delimiter;
    for (;;) {
      if (p < end && buf[p] === QUOTE) {
        p = this.quoted(buf, p, end, eof);
        if (p === INCOMPLETE) return INCOMPLETE;
        if (p >= end) return eof ? p : INCOMPLETE;
        const c = buf[p];
        if (c === d) {
          p++;
          continue;
        }
        if (c === LF) {
          this.line++;
          return p + 1;
        }
        if (c === CR && p + 1 < end && buf[p + 1] === LF) {
          this.line++;
          return p + 2;
        }
        if (c === CR && p + 1 >= end && !eof) return INCOMPLETE;
        if (c === CR && p + 1 >= end) return end;
        this.fail(`unexpected character after the closing quote of field ${this.count}`);
        return this.skipLine(buf, p, end, eof);
      }
      const s = p;
      let c = 0;
      while (p < end) {
        c = buf[p];
        if (c === d || c === LF) break;
        if (c === QUOTE && this.error === null) this.fail(`a quote inside unquoted field ${this.count + 1}`);
        p++;
      }
      if (p >= end) {
        if (!eof) return INCOMPLETE;
        this.push(s, end > s && buf[end - 1] === CR ? end - 1 : end, 0);
        return end;
      }
      this.push(s, c === LF && p > s && buf[p - 1] === CR ? p - 1 : p, 0);
      p++;
      if (c === LF) {
        this.line++;
        return p;
      }
    }
  }

  private scanBlankSeparated(buf: Uint8Array, p: number, end: number, eof: boolean): number {
    for (;;) {
      while (p < end && isBlank(buf[p])) p++;
      if (p >= end) {
        if (!eof) return INCOMPLETE;
        if (this.count === 0) this.push(end, end, 0);
        return end;
      }
      if (buf[p] === LF) {
        if (this.count === 0) this.push(p, p, 0);
        this.line++;
        return p + 1;
      }
      if (buf[p] === QUOTE) {
        p = this.quoted(buf, p, end, eof);
        if (p === INCOMPLETE) return INCOMPLETE;
        if (p < end && !isBlank(buf[p]) && buf[p] !== LF) {
          this.fail(`unexpected character after the closing quote of field ${this.count}`);
          return this.skipLine(buf, p, end, eof);
        }
        continue;
      }
      const s = p;
      while (p < end) {
        const c = buf[p];
        if (isBlank(c) || c === LF) break;
        if (c === QUOTE && this.error === null) this.fail(`a quote inside unquoted field ${this.count + 1}`);
        p++;
      }
      if (p >= end && !eof) return INCOMPLETE;
      this.push(s, p, 0);
    }
  }

  /** Scans a quoted field from its opening quote; returns the offset after the closing quote. */
  private quoted(buf: Uint8Array, p: number, end: number, eof: boolean): number {
    const s = ++p;
    let flags = QUOTED;
    for (;;) {
      while (p < end) {
        const c = buf[p];
        if (c === QUOTE) break;
        if (c === LF) this.line++;
        p++;
      }
      if (p >= end) {
        if (!eof) return INCOMPLETE;
        this.fail(`unterminated quoted field starting on line ${this.rowLine}`);
        this.unterminated = true;
        this.push(s, end, flags);
        return end;
      }
      if (p + 1 < end && buf[p + 1] === QUOTE) {
        flags = QUOTED | ESCAPED;
        p += 2;
        continue;
      }
      if (p + 1 >= end && !eof) return INCOMPLETE; // the next byte decides: "" or closing quote
      this.push(s, p, flags);
      return p + 1;
    }
  }

  /** Lenient recovery after a malformed field: the row ends at the next line break. */
  private skipLine(buf: Uint8Array, p: number, end: number, eof: boolean): number {
    while (p < end && buf[p] !== LF) p++;
    if (p >= end) return eof ? end : INCOMPLETE;
    this.line++;
    return p + 1;
  }

  private fail(reason: string): void {
    if (this.error === null) this.error = reason;
  }

  private push(s: number, e: number, flags: number): void {
    if (this.count >= this.maxFields) {
      this.count++;
      return;
    }
    if (this.count === this.starts.length) {
      const n = this.count * 2;
      const starts = new Int32Array(n),
        ends = new Int32Array(n),
        fl = new Uint8Array(n);
      starts.set(this.starts);
      ends.set(this.ends);
      fl.set(this.flags);
      this.starts = starts;
      this.ends = ends;
      this.flags = fl;
    }
    this.starts[this.count] = s;
    this.ends[this.count] = e;
    this.flags[this.count++] = flags;
  }
}

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB || c === CR;
}
