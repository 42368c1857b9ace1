// The language menu, on the sign-in page and in the header; each language is named in itself.
import { useI18n, type Lang } from '../i18n';

export function LanguageSwitch() {
  const { t, lang, setLang } = useI18n();
  return (
    <label class="lang">
      <span class="sr-only">{t('common.language')}</span>
      <select value={lang} onChange={(e) => setLang((e.target as HTMLSelectElement).value as Lang)} data-testid="language">
        <option value="en">English</option>
        <option value="zh">简体中文</option>
      </select>
    </label>
  );
}
