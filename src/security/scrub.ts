// Secrets and personal data never leave in a log line, an error body or an audit detail: API keys, e-mail addresses, phone and ID numbers are masked.
import { maskText } from '../data/mask/index.js';

const API_KEY = /andon_[0-9a-f]{12}_[A-Za-z0-9_-]{32}/g;

export function scrub(s: string): string {
  return maskText(s.replace(API_KEY, '[API_KEY]'));
}

/** Every string inside a value scrubbed (errors become plain objects); nesting past 6 levels is left as it is. */
export function scrubDeep(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return scrub(v);
  if (depth > 6 || v === null || typeof v !== 'object') return v;
  if (v instanceof Error)
    return {
      type: v.name,
      message: scrub(v.message),
      stack: v.stack ? scrub(v.stack) : undefined,
      ...('code' in v ? { code: (v as { code: unknown }).code } : {}),
    };
  if (Array.isArray(v)) return v.map((x) => scrubDeep(x, depth + 1));
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, scrubDeep(x, depth + 1)]));
}
