// JSON request bodies, parsed one way on both request paths (Fastify's parser and the prediction lane): secure-json-parse's prototype-poisoning rules, and duplicate keys refused.
import secureJson from 'secure-json-parse';
import { AndonError } from '../errors.js';
import { bodyErrors } from './errors.js';

/**
 * The body as a value. JSON.parse keeps the last of two equal keys, so `{"Type":"L","Type":"H"}` would predict for
 * "H" while the caller's logs show "L": such a body is refused with 400 invalid_input naming the key and where it is.
 */
export function parseJsonBody(text: string): unknown {
  if (text.length === 0) throw bodyErrors.empty();
  let body: unknown;
  try {
    body = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch {
    throw bodyErrors.notJson();
  }
  // Only an object with two or more keys can repeat one (so the text has a comma). A repeated key is one the parsed
  // value lost, so counting keys on both sides tells whether there is one, cheaper than finding which (no key strings, no sets).
  if (typeof body === 'object' && body !== null && text.includes(',') && keysInText(text) !== keysInValue(body)) {
    const dup = duplicateKey(text);
    if (dup) throw new AndonError('invalid_input', `the JSON body has the key "${dup.key}" twice in one object (at ${dup.at}): send each key once`, dup);
  }
  return body;
}

const QUOTE = 0x22,
  BACKSLASH = 0x5c,
  LBRACE = 0x7b,
  RBRACE = 0x7d,
  LBRACKET = 0x5b,
  RBRACKET = 0x5d,
  COMMA = 0x2c;

/** The index of the quote that ends the string opening at `start` (JSON already accepted, so there is one). */
function stringEnd(text: string, start: number): number {
  let end = start;
  for (;;) {
    end = text.indexOf('"', end + 1);
    let k = end - 1;
    while (text.charCodeAt(k) === BACKSLASH) k--;
    if ((end - 1 - k) % 2 === 0) return end; // an even run of backslashes: this quote ends the string
  }
}

/** How many object keys `text` (valid JSON) writes, repeated ones included. */
function keysInText(text: string): number {
  const inObject: boolean[] = [];
  let n = 0,
    expectKey = false;
  for (let i = 0, len = text.length; i < len; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      if (expectKey) {
        n++;
        expectKey = false;
      }
      i = stringEnd(text, i);
    } else if (c === LBRACE) {
      inObject.push(true);
      expectKey = true;
    } else if (c === LBRACKET) {
      inObject.push(false);
      expectKey = false;
    } else if (c === RBRACE || c === RBRACKET) {
      inObject.pop();
      expectKey = false;
    } else if (c === COMMA) expectKey = inObject[inObject.length - 1]!;
  }
  return n;
}

/** How many keys the parsed value's objects hold. A stack, not recursion: JSON.parse accepts nesting deeper than the call stack. */
function keysInValue(value: object): number {
  const todo: unknown[] = [value];
  let n = 0;
  while (todo.length > 0) {
    const v = todo.pop();
    if (typeof v !== 'object' || v === null) continue;
    if (Array.isArray(v)) {
      for (const x of v) if (typeof x === 'object' && x !== null) todo.push(x);
      continue;
    }
    for (const k in v) {
      n++;
      const x = (v as Record<string, unknown>)[k];
      if (typeof x === 'object' && x !== null) todo.push(x);
    }
  }
  return n;
}

/**
 * The first key that appears twice in one object of `text`, which JSON.parse has already accepted (so the scan can
 * trust its structure), with its path (`rows[0]`). One pass: strings are skipped with indexOf, each object keeps
 * the set of its keys while it is open, and a key is decoded only when it holds an escape (`"\u0054ype"` is "Type").
 * Run only when the counts above differ.
 */
export function duplicateKey(text: string): { key: string; at: string } | null {
  // One entry per open object or array: its keys (null for an array), its last key, its element index.
  const keys: (Set<string> | null)[] = [];
  const last: string[] = [];
  const index: number[] = [];
  let expectKey = false;
  for (let i = 0, n = text.length; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (expectKey) {
        const raw = text.slice(i + 1, end);
        const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
        const d = keys.length - 1,
          seen = keys[d]!;
        if (seen.has(key)) return { key, at: pathOf(last, index, keys, d) };
        seen.add(key);
        last[d] = key;
        expectKey = false;
      }
      i = end;
    } else if (c === LBRACE) {
      keys.push(new Set());
      last.push('');
      index.push(0);
      expectKey = true;
    } else if (c === LBRACKET) {
      keys.push(null);
      last.push('');
      index.push(0);
      expectKey = false;
    } else if (c === RBRACE || c === RBRACKET) {
      keys.pop();
      last.pop();
      index.pop();
      expectKey = false;
    } else if (c === COMMA) {
      const d = keys.length - 1;
      if (keys[d]) expectKey = true;
      else index[d]!++;
    }
  }
  return null;
}

/** Where the object at depth `d` sits, as a path from the body (`rows[3]`, `inputs[0].data`; `(body)` for the top; at most 200 characters). */
function pathOf(last: string[], index: number[], keys: (Set<string> | null)[], d: number): string {
  let p = '';
  for (let j = 0; j < d; j++) p += keys[j] ? (p ? `.${last[j]}` : last[j]) : `[${index[j]}]`;
  // A path through deep nesting is cut to its end: the message stays one readable line.
  return p.length > 200 ? `…${p.slice(-200)}` : p || '(body)';
}
