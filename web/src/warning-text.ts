// Profile warnings in the reader's language, rebuilt from the warning's code and details; the server's English
// message is the fallback for a code or detail this dashboard does not know.
import type { I18n } from './i18n';
import type { Profile, ProfileWarning } from './types';

export function warningText(w: ProfileWarning & { details?: Record<string, unknown> }, profile: Profile, i18n: I18n): string {
  const { maybe, num } = i18n;
  const d = w.details ?? {};
  const col = profile.columns.find((c) => c.name === w.column);
  const fill = (key: string, params: Record<string, string>) => {
    const text = maybe(key, '');
    return text ? text.replace(/\{(\w+)\}/g, (m, k: string) => params[k] ?? m) : w.message;
  };
  switch (w.code) {
    case 'class_imbalance':
      return typeof d.fraction === 'number' ? fill('warning.class_imbalance.text', { label: String(d.label), pct: `${num(d.fraction * 100, 1)}%` }) : w.message;
    case 'possible_leakage':
    case 'mostly_missing':
    case 'constant':
      return fill(`warning.${w.code}.text`, { column: w.column });
    case 'high_cardinality':
      return fill('warning.high_cardinality.text', { column: w.column, n: num(Number(d.distinct ?? col?.distinct ?? 0), 0) });
    default:
      return w.message;
  }
}
