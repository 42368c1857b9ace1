// Sign-in: the API key is checked against the server, its role found, and kept in sessionStorage only.
import { useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { whoAmI } from '../api/whoami';
import { setSession } from '../session-store';
import { useI18n } from '../i18n';
import { LanguageSwitch } from '../components/language-switch';

const KEY_SHAPE = /^andon_[0-9a-f]{12}_[A-Za-z0-9_-]{32}$/;

export function SignIn({ reason }: { reason: string | null }) {
  const { t } = useI18n();
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const k = key.trim();
    if (!KEY_SHAPE.test(k)) {
      setError(t('signIn.badShape'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      setSession(await whoAmI(k));
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? t('signIn.rejected') : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="signin">
      <div class="signin-card">
        <div class="signin-top">
          <div class="brand">
            <span class="logo" aria-hidden="true">
              ▲
            </span>{' '}
            Andon
          </div>
          <LanguageSwitch />
        </div>
        <h1>{t('signIn.title')}</h1>
        <p class="muted">{t('signIn.intro')}</p>
        {reason && (
          <div class="note warn" role="status">
            {t('signIn.signedOut')}
          </div>
        )}
        <form onSubmit={submit}>
          <label for="api-key">{t('signIn.keyLabel')}</label>
          <input
            id="api-key"
            name="api-key"
            type="password"
            autocomplete="off"
            spellcheck={false}
            value={key}
            onInput={(e) => setKey((e.target as HTMLInputElement).value)}
            placeholder="andon_…"
            aria-describedby="key-help"
            required
          />
          <p id="key-help" class="muted small">
            {t('signIn.keyHelp')}
          </p>
          {error && (
            <div class="note error" role="alert">
              {error}
            </div>
          )}
          <button type="submit" disabled={busy}>
            {busy ? t('common.working') : t('signIn.submit')}
          </button>
        </form>
      </div>
    </main>
  );
}
