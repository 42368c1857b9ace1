// Personal-data detectors: e-mails, phones, IPs, payment cards and Chinese resident IDs in free text, each candidate validated so factory look-alikes pass.

export type PiiKind = 'email' | 'phone' | 'ip' | 'card' | 'cn_id';
export const PII_KINDS: readonly PiiKind[] = ['email', 'phone', 'ip', 'card', 'cn_id'];

/** One piece of personal data in a string: [start, end) in UTF-16 code units. */
export interface Span {
  readonly kind: PiiKind;
  readonly start: number;
  readonly end: number;
}

/**
 * A candidate finder that is cheap, permissive and linear in the text (boundaries already checked), and a
 * validator that cuts false positives (checksums, ranges, shapes). Finders are hand-written scanners or
 * regexes with bounded quantifiers only, so no input can make them backtrack catastrophically.
 */
export interface Detector {
  readonly kind: PiiKind;
  readonly name: string;
  candidates(text: string): Array<[number, number]>;
  validate(value: string): boolean;
}

const SPACE = 32,
  PLUS = 43,
  DASH = 45,
  DOT = 46,
  COLON = 58,
  LPAREN = 40,
  RPAREN = 41;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAlnum = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isWord = (c: number): boolean => isAlnum(c) || c === 95;
const isHex = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

/**
 * Glued to a preceding identifier ("M14860", "PN-4711", "v2.4", "0.1380…"), so not a value of its own.
 * Only ASCII word characters glue: Chinese text puts digits right after characters ("张工13800138000").
 */
function gluedBefore(s: string, i: number, dash = true): boolean {
  if (i === 0) return false;
  const c = s.charCodeAt(i - 1);
  return isWord(c) || (((dash && c === DASH) || c === DOT) && i >= 2 && isWord(s.charCodeAt(i - 2)));
}
function gluedAfter(s: string, j: number, dash = true): boolean {
  if (j >= s.length) return false;
  const c = s.charCodeAt(j);
  return isWord(c) || (((dash && c === DASH) || c === DOT) && j + 1 < s.length && isWord(s.charCodeAt(j + 1)));
}

/**
 * Every match start, overlapping ones included; the regexes have bounded quantifiers, so this stays linear.
 * `dash` false: a dash does not glue, so both ends of "10.0.0.1-10.0.0.9" are found.
 */
function matches(re: RegExp, s: string, dash = true): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  re.lastIndex = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    if (!gluedBefore(s, m.index, dash) && !gluedAfter(s, m.index + m[0].length, dash)) out.push([m.index, m.index + m[0].length]);
    re.lastIndex = m.index + 1;
  }
  return out;
}

// ---- e-mail: anchored on each '@', scanning out over at most 64 + 254 characters.
const isLocal = (c: number): boolean => isWord(c) || c === DOT || c === DASH || c === PLUS || c === 37; /* % */
const isDomain = (c: number): boolean => isAlnum(c) || c === DOT || c === DASH;
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const TLD = /^(?:[A-Za-z]{2,24}|xn--[A-Za-z0-9-]{1,59})$/;

const email: Detector = {
  kind: 'email',
  name: 'email',
  candidates(s) {
    const out: Array<[number, number]> = [];
    for (let at = s.indexOf('@'); at >= 0; at = s.indexOf('@', at + 1)) {
      let a = at;
      while (a > 0 && at - a <= 64 && isLocal(s.charCodeAt(a - 1))) a--;
      while (a < at && s.charCodeAt(a) === DOT) a++; // "…see..li@x.cn": leading dots are punctuation
      let b = at + 1;
      while (b < s.length && b - at <= 254 && isDomain(s.charCodeAt(b))) b++;
      while (b > at + 1 && (s.charCodeAt(b - 1) === DOT || s.charCodeAt(b - 1) === DASH)) b--; // sentence end
      if (a < at && b > at + 1) out.push([a, b]);
    }
    return out;
  },
  validate(v) {
    const at = v.indexOf('@');
    const local = v.slice(0, at),
      domain = v.slice(at + 1);
    if (local.length > 64 || local.endsWith('.') || local.includes('..') || domain.length > 253) return false;
    const labels = domain.split('.');
    return labels.length >= 2 && labels.every((l) => LABEL.test(l)) && TLD.test(labels[labels.length - 1]);
  },
};

// ---- digit groups: "138 0013 8000", "4111-1111-…", "110105…002X" — shared by mobile, card and ID.
/** Up to five groups make one value (cards 4-4-4-4-3, phones 86 138 0013 8000): bounds work per start. */
const MAX_GROUPS = 5;

/**
 * Group-aligned spans of minLen…maxLen characters (separators not counted) within runs of digit groups joined by
 * one space or dash each; a trailing X, an ID's check character, stays in its group. A span starts at a run's
 * start or after a space and ends at the run's end or before a space: a dash binds ("PN-4711-0815"), and a digit
 * run inside a longer one is never a candidate. Flat arrays, no closures: this loop sees every digit of every text.
 */
function scanNumeric(s: string, minLen: number, maxLen: number): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  // starts[g], ends[g] of group g in the current run; the sign of starts marks "a space came before"
  let starts: Int32Array = new Int32Array(64),
    ends: Int32Array = new Int32Array(64);
  const n = s.length;
  let i = 0;
  while (i < n) {
    if (!isDigit(s.charCodeAt(i))) {
      i++;
      continue;
    }
    let g = 0,
      spaceBefore = false;
    for (;;) {
      if (g === starts.length) {
        starts = grow(starts);
        ends = grow(ends);
      }
      const start = i;
      while (i < n && isDigit(s.charCodeAt(i))) i++;
      if (i < n && (s.charCodeAt(i) | 32) === 120) i++; // x or X
      starts[g] = spaceBefore ? -start - 1 : start;
      ends[g++] = i;
      const c = s.charCodeAt(i);
      if ((c === SPACE || c === DASH) && i + 1 < n && isDigit(s.charCodeAt(i + 1))) {
        spaceBefore = c === SPACE;
        i++;
      } else break;
    }
    for (let a = 0; a < g; a++) {
      if (a === 0 ? gluedBefore(s, starts[0]) : starts[a] >= 0) continue;
      const from = starts[a] < 0 ? -starts[a] - 1 : starts[a];
      let len = 0;
      for (let b = a; b < g && b < a + MAX_GROUPS; b++) {
        len += ends[b] - (starts[b] < 0 ? -starts[b] - 1 : starts[b]);
        if (len > maxLen) break;
        const closed = b === g - 1 ? !gluedAfter(s, ends[b]) : starts[b + 1] < 0;
        if (closed && len >= minLen) out.push([from, ends[b], len]);
      }
    }
  }
  return out;
}

function grow(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/** Mobile, card and ID share one scan of a text (11–19 characters covers all three); `detect` clears it. */
let numericCache: { text: string; spans: Array<[number, number, number]> } | null = null;
function numericCandidates(s: string, minLen: number, maxLen: number): Array<[number, number]> {
  if (numericCache?.text !== s) numericCache = { text: s, spans: scanNumeric(s, 11, 19) };
  const out: Array<[number, number]> = [];
  for (const [a, b, len] of numericCache.spans) if (len >= minLen && len <= maxLen) out.push([a, b]);
  return out;
}

/** Groups of a candidate, and whether one kind of separator is used throughout (no "138 0013-8000"). */
function groupsOf(v: string): { parts: string[]; uniform: boolean } {
  return { parts: v.split(/[ -]/), uniform: !(v.includes(' ') && v.includes('-')) };
}

// ---- phones
const MOBILE = /^1[3-9]\d{9}$/;
const MOBILE_SHAPES = new Set(['11', '3,4,4', '3,8']);

/** Chinese mobile: 1[3-9] + 9 digits, optionally after 86 / 0086, as 13800138000, 138-0013-8000 or 138 0013 8000. */
const cnMobile: Detector = {
  kind: 'phone',
  name: 'phone_cn_mobile',
  candidates: (s) => numericCandidates(s, 11, 15),
  validate(v) {
    let parts = v.split(/[ -]/);
    let rest = v;
    if (parts.length > 1 && (parts[0] === '86' || parts[0] === '0086')) {
      rest = v.slice(parts[0].length + 1);
      parts = parts.slice(1);
    } else if (parts.length === 1) {
      rest = v.replace(/^(?:00)?86(?=\d{11}$)/, '');
      parts = [rest];
    }
    const { uniform } = groupsOf(rest);
    return uniform && MOBILE.test(parts.join('')) && MOBILE_SHAPES.has(parts.map((p) => p.length).join(','));
  },
};

/** End of the digits from q, reading at most 16: more is too long for any phone. */
function digitsFrom(s: string, q: number): number {
  let r = q;
  while (r < s.length && r - q < 16 && isDigit(s.charCodeAt(r))) r++;
  return r;
}

/**
 * International: '+' or '00', a country code, then groups after single spaces or dashes, an area code may sit in
 * parentheses ("+1 (415) 555-2671", "+44 (0)20 7946 0958"); 8–15 digits as E.164 allows. After '00' the country
 * code must stand alone ("0044 20 …") and 10 digits must follow, so neither a compact "0012345678" batch code nor
 * a bag tag "0016 964012" is a phone.
 */
function scanIntl(s: string, p: number, plus: boolean): number {
  let end = digitsFrom(s, p);
  let digits = end - p,
    groups = 1;
  if (!plus && digits > 3) return -1;
  while (digits <= 15) {
    let q = end,
      extra = 0;
    const sep = s.charCodeAt(q) === SPACE || s.charCodeAt(q) === DASH;
    if (sep) q++;
    if (s.charCodeAt(q) === LPAREN) {
      const a = digitsFrom(s, q + 1);
      extra = a - (q + 1);
      if (extra < 1 || extra > 4 || s.charCodeAt(a) !== RPAREN) break;
      q = a + 1;
      if (s.charCodeAt(q) === SPACE || s.charCodeAt(q) === DASH) q++;
    } else if (!sep) break;
    const b = digitsFrom(s, q);
    if (b - q < (groups === 1 ? 1 : 2)) break; // past the area code ("+33 1 …"), a lone digit is the next value
    digits += extra + b - q;
    end = b;
    groups++;
  }
  if (digits > 15 || digits < (plus ? 8 : 10) || (!plus && groups < 2) || gluedAfter(s, end)) return -1;
  if (plus && s.charCodeAt(p) === 49 && digits !== 11) return -1; // +1 is the North American plan: 1 + 10 digits
  // (not after '00': Australia dials out with 0011, "0011 800-55558000")
  return end;
}

const intlPhone: Detector = {
  kind: 'phone',
  name: 'phone_intl',
  candidates(s) {
    const out: Array<[number, number]> = [];
    if (!s.includes('+') && !s.includes('00')) return out;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      const plus = c === PLUS;
      if (!plus && !(c === 48 && s.charCodeAt(i + 1) === 48)) continue;
      const p = plus ? i + 1 : i + 2;
      const first = s.charCodeAt(p);
      if (!(first >= 49 && first <= 57) || gluedBefore(s, i) || (i > 0 && s.charCodeAt(i - 1) === PLUS)) continue;
      const end = scanIntl(s, p, plus);
      if (end > 0) out.push([i, end]);
    }
    return out;
  },
  validate: () => true, // the scanner already counted digits and checked the shape
};

/**
 * North American numbers without "+1": "(415) 555-2671", "914-329-0185", "914.329.0185", "1-800-335-2247". Area
 * code and exchange start with 2–9 and the area code is no N11 service code; spaces alone ("917 703 1472") are
 * not enough, they separate sensor readings just as well.
 */
const NANP = /^(?:1[-.])?(?:\([2-9]\d{2}\) ?[2-9]\d{2}-\d{4}|[2-9]\d{2}([-.])[2-9]\d{2}\1\d{4})$/;
const nanpPhone: Detector = {
  kind: 'phone',
  name: 'phone_nanp',
  candidates: (s) => matches(/(?:1[-.])?(?:\(\d{3}\) ?\d{3}-\d{4}|\d{3}[-.]\d{3}[-.]\d{4})/g, s),
  validate: (v) =>
    NANP.test(v) &&
    v
      .replace(/^1[-.]/, '')
      .replace(/\D/g, '')
      .slice(1, 3) !== '11',
};

// ---- IP addresses
const ipv4: Detector = {
  kind: 'ip',
  name: 'ipv4',
  candidates: (s) => matches(/\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}/g, s, false),
  validate: (v) => v.split('.').every((o) => Number(o) <= 255),
};

export function isIPv4(v: string): boolean {
  return /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v) && ipv4.validate(v);
}

/** Full (8 groups) or compressed ('::' once) form, optionally ending in dotted IPv4; a bare '::' is not personal. */
export function isIPv6(v: string): boolean {
  if (v.length < 3 || v.length > 45) return false;
  const halves = v.split('::');
  if (halves.length > 2) return false;
  const groups = halves.flatMap((h) => (h === '' ? [] : h.split(':')));
  let count = 0;
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i];
    if (g.includes('.')) {
      if (i !== groups.length - 1 || (halves.length === 2 && halves[1] === '') || !isIPv4(g)) return false;
      count += 2;
    } else if (/^[0-9A-Fa-f]{1,4}$/.test(g)) count++;
    else return false;
  }
  return halves.length === 2 ? count >= 1 && count <= 7 : count === 8;
}

const ipv6: Detector = {
  kind: 'ip',
  name: 'ipv6',
  candidates(s) {
    if (!s.includes(':')) return [];
    const out: Array<[number, number]> = [];
    let i = 0;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (!isHex(c) && c !== COLON) {
        i++;
        continue;
      }
      let j = i,
        colons = 0;
      for (; j < s.length; j++) {
        const d = s.charCodeAt(j);
        if (d === COLON) colons++;
        else if (!isHex(d) && d !== DOT) break;
      }
      if (colons >= 2) {
        let a = i,
          b = j;
        while (b > a && s.charCodeAt(b - 1) === DOT) b--;
        if (s.charCodeAt(b - 1) === COLON && s.charCodeAt(b - 2) !== COLON) b--; // "… fe80::1: blocked"
        if (s.charCodeAt(a) === COLON && s.charCodeAt(a + 1) !== COLON) a++;
        if (!gluedAfter(s, b)) {
          if (!gluedBefore(s, a)) out.push([a, b]);
          else {
            // "IPv6:fe80::1": the run began inside the label; try after its first colon
            const k = s.indexOf(':', a);
            if (k > a && k + 1 < b && s.charCodeAt(k + 1) !== COLON) out.push([k + 1, b]);
          }
        }
      }
      i = j;
    }
    return out;
  },
  validate: isIPv6,
};

// ---- payment cards
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * Issuer prefixes and the lengths each issues; a Luhn-valid serial number with another prefix is not a card.
 * No 17- or 18-digit cards: almost none circulate, and 18-digit snowflake IDs (tweets, orders) would pass Luhn
 * one time in ten. Maestro only by its named ranges, not the whole 5x/6x block, for the same reason.
 */
function plausibleIssuer(d: string): boolean {
  const n = d.length,
    p2 = Number(d.slice(0, 2)),
    p3 = Number(d.slice(0, 3)),
    p4 = Number(d.slice(0, 4));
  if (n === 17 || n === 18) return false;
  if (d[0] === '4') return n === 13 || n === 16 || n === 19; // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n === 16; // Mastercard
  if (p2 === 34 || p2 === 37) return n === 15; // American Express
  if (p2 === 62 || p2 === 65 || p4 === 6011 || (p3 >= 644 && p3 <= 649)) return n >= 16; // UnionPay, Discover
  if ((p4 >= 3528 && p4 <= 3589) || (p4 >= 2200 && p4 <= 2204)) return n >= 16; // JCB, Mir
  if ((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39) return n >= 14; // Diners
  return [5018, 5020, 5038, 5893, 6304, 6759, 6761, 6762, 6763].includes(p4); // Maestro
}

const card: Detector = {
  kind: 'card',
  name: 'card',
  candidates: (s) => numericCandidates(s, 13, 19),
  validate(v) {
    const { parts, uniform } = groupsOf(v);
    if (parts.length > 1 && (!uniform || parts.some((p) => p.length < 3 || p.length > 6))) return false;
    const d = parts.join('');
    return /^\d{13,19}$/.test(d) && luhnValid(d) && plausibleIssuer(d);
  },
};

// ---- Chinese resident identity numbers (GB 11643-1999)
/** Province-level prefixes of the administrative division codes (GB/T 2260), incl. 81–83 of residence permits. */
const PROVINCES = new Set('11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 83'.split(' '));
/** ISO 7064 MOD 11-2: position i (0-based, of 17) weighs 2^(17−i) mod 11. */
const ID_WEIGHTS = Array.from({ length: 17 }, (_, i) => 2 ** (17 - i) % 11);

export function cnIdCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * ID_WEIGHTS[i];
  return '10X98765432'[sum % 11];
}

function plausibleBirthDate(ymd: string): boolean {
  const y = Number(ymd.slice(0, 4)),
    m = Number(ymd.slice(4, 6)),
    d = Number(ymd.slice(6, 8));
  if (y < 1900 || y > new Date().getUTCFullYear() || m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

export function cnIdValid(id: string): boolean {
  return (
    /^\d{17}[\dX]$/.test(id) &&
    PROVINCES.has(id.slice(0, 2)) &&
    id.slice(2, 6) !== '0000' &&
    plausibleBirthDate(id.slice(6, 14)) &&
    cnIdCheckChar(id) === id[17]
  );
}

const cnId: Detector = {
  kind: 'cn_id',
  name: 'cn_id',
  candidates: (s) => numericCandidates(s, 18, 18),
  validate(v) {
    const parts = v.split(' ');
    if (v.includes('-') || (parts.length > 1 && parts.map((p) => p.length).join(',') !== '6,8,4')) return false;
    return cnIdValid(parts.join('').toUpperCase());
  },
};

/** In priority order: when two detectors claim the same span, the earlier one names it. */
export const DETECTORS: readonly Detector[] = [email, cnId, card, intlPhone, nanpPhone, cnMobile, ipv6, ipv4];

/** Cheap pre-check: every kind needs a digit, an '@' or a ':' (IPv6 such as "fe80::abcd"). */
const MAYBE = /[0-9@:]/;

/** Non-overlapping spans, in order; where candidates overlap, the earliest start, then the longest, wins. */
export function detect(text: string, kinds?: Iterable<PiiKind>): Span[] {
  if (typeof text !== 'string' || !MAYBE.test(text)) return [];
  const only = kinds ? new Set(kinds) : null;
  const found: Array<Span & { rank: number }> = [];
  DETECTORS.forEach((d, rank) => {
    if (only && !only.has(d.kind)) return;
    for (const [start, end] of d.candidates(text)) if (d.validate(text.slice(start, end))) found.push({ kind: d.kind, start, end, rank });
  });
  numericCache = null; // do not keep a large text alive
  if (found.length === 0) return [];
  found.sort((x, y) => x.start - y.start || y.end - y.start - (x.end - x.start) || x.rank - y.rank);
  const out: Span[] = [];
  let last = 0;
  for (const f of found)
    if (f.start >= last) {
      out.push({ kind: f.kind, start: f.start, end: f.end });
      last = f.end;
    }
  return out;
}

/** The form two spellings of one value share, so hashed tokens still join: "138-0013-8000" ≡ "+86 13800138000". */
export function canonical(kind: PiiKind, value: string): string {
  switch (kind) {
    case 'email':
    case 'ip':
      return value.toLowerCase();
    case 'cn_id':
      return value.replace(/ /g, '').toUpperCase();
    case 'card':
      return value.replace(/\D/g, '');
    case 'phone': {
      const d = value.replace(/\D/g, '').replace(/^00/, '');
      return /^861[3-9]\d{9}$/.test(d) ? d.slice(2) : d;
    }
  }
}
