// TextCache: the strings of one column's recent short cells, so repeated categories are not decoded again.
import { utf8Text } from './source.js';

const SLOTS = 256;
const MAX_LENGTH = 48;
const WINDOW = 4096;

/**
 * A category column ("RUNNING", "M-017") repeats a few values a million times: decoding each cell
 * costs more than hashing its bytes and comparing them with the string seen last in that hash slot.
 * Returning the same string object also lets the column's dictionary reuse its cached hash. A column
 * of unique values (timestamps, free text) gains nothing, so the cache switches itself off when fewer
 * than a quarter of a window's lookups hit.
 */
export class TextCache {
  private readonly strings: string[] = new Array<string>(SLOTS).fill('');
  private lookups = 0;
  private hits = 0;
  private enabled = true;

  text(buf: Buffer, s: number, e: number): string {
    const n = e - s;
    if (!this.enabled || n > MAX_LENGTH) return utf8Text(buf, s, e);
    let h = n;
    for (let i = s; i < e; i++) {
      const c = buf[i];
      if (c >= 0x80) return utf8Text(buf, s, e); // ASCII only: then a string's char codes are its bytes
      h = Math.imul(h ^ c, 0x01000193);
    }
    const slot = (h ^ (h >>> 16)) & (SLOTS - 1);
    const cached = this.strings[slot];
    this.lookups++;
    if (cached.length === n) {
      let i = 0;
      while (i < n && cached.charCodeAt(i) === buf[s + i]) i++;
      if (i === n) {
        this.hits++;
        return cached;
      }
    }
    const t = utf8Text(buf, s, e);
    this.strings[slot] = t;
    if (this.lookups === WINDOW) {
      this.enabled = this.hits * 4 >= WINDOW;
      this.lookups = 0;
      this.hits = 0;
    }
    return t;
  }
}
