// The language switch: a dictionary per language, a context carrying the chosen one, and formatting by locale.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { en, type MessageKey } from './en';
import { zh } from './zh';

export type Lang = 'en' | 'zh';
export const DICTIONARIES: Record<Lang, Record<MessageKey, string>> = { en, zh };
export const LOCALES: Record<Lang, string> = { en: 'en', zh: 'zh-CN' };
const STORAGE = 'andon.lang';

export function initialLang(): Lang {
  const saved = localStorage.getItem(STORAGE);
  if (saved === 'en' || saved === 'zh') return saved;
  return navigator.language?.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

export function saveLang(lang: Lang): void {
  localStorage.setItem(STORAGE, lang);
  document.documentElement.lang = LOCALES[lang];
}

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export function translator(lang: Lang): Translate {
  const dict = DICTIONARIES[lang];
  return (key, params) => {
    const text = dict[key] ?? en[key] ?? key;
    return params ? text.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m)) : text;
  };
}

export interface I18n {
  lang: Lang;
  t: Translate;
  /** For keys built at run time (column types, warning codes): the fallback when the dictionary has none. */
  maybe: (key: string, fallback: string) => string;
  setLang: (l: Lang) => void;
  num: (x: number | null | undefined, digits?: number) => string;
  date: (iso: string | null | undefined) => string;
}

export const I18nContext = createContext<I18n>({
  lang: 'en',
  t: translator('en'),
  maybe: (_k, f) => f,
  setLang: () => {},
  num: (x) => String(x),
  date: (d) => String(d),
});

export function makeI18n(lang: Lang, setLang: (l: Lang) => void): I18n {
  const locale = LOCALES[lang];
  return {
    lang,
    setLang,
    t: translator(lang),
    maybe: (key, fallback) => (DICTIONARIES[lang] as Record<string, string>)[key] ?? fallback,
    num: (x, digits = 3) =>
      x === null || x === undefined || Number.isNaN(x) ? '—' : new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(x),
    date: (d) => (d ? new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(d)) : '—'),
  };
}

export const useI18n = (): I18n => useContext(I18nContext);
export type { MessageKey };
