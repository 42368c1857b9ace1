// API keys (admins): create one — its secret is shown once —, list, revoke with a second click to confirm.
import { useState } from 'preact/hooks';
import { api, seg } from '../api/client';
import { useApi } from '../hooks';
import { useI18n, type MessageKey } from '../i18n';
import { ErrorNote, Loading, PageTitle } from '../components/common';
import type { ApiKey, Page } from '../types';
import { getSession } from '../session-store';

const ROLES = ['viewer', 'operator', 'developer', 'admin'] as const;

function CreateKey({ onCreated }: { onCreated: () => void }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [role, setRole] = useState<string>('viewer');
  const [scopes, setScopes] = useState('');
  const [secret, setSecret] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setSecret(null);
    setCopied(false);
    try {
      const list = scopes.split(/[\s,]+/).filter(Boolean);
      const r = await api<ApiKey & { key: string }>('/api/v1/keys', { method: 'POST', body: { name, role, ...(list.length ? { scopes: list } : {}) } });
      setSecret(r.key);
      setName('');
      setScopes('');
      onCreated();
    } catch (err) {
      setError(err);
    }
  };
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret!);
      setCopied(true);
    } catch {
      /* no clipboard permission: the key stays selectable */
    }
  };
  return (
    <form class="card" onSubmit={submit} data-testid="create-key-form">
      <h2>{t('keys.create')}</h2>
      <div class="field">
        <label for="key-name">{t('common.name')}</label>
        <input id="key-name" value={name} required maxLength={64} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
      </div>
      <div class="field">
        <label for="key-role">{t('keys.role')}</label>
        <select id="key-role" value={role} onChange={(e) => setRole((e.target as HTMLSelectElement).value)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {t(`role.${r}` as MessageKey)}
            </option>
          ))}
        </select>
        <span class="muted small">{t(`role.${role}.help` as MessageKey)}</span>
      </div>
      <div class="field">
        <label for="key-scopes">{t('keys.scopes')}</label>
        <input id="key-scopes" value={scopes} placeholder={t('keys.scopesPlaceholder')} onInput={(e) => setScopes((e.target as HTMLInputElement).value)} />
      </div>
      <button type="submit">{t('keys.createButton')}</button>
      <ErrorNote error={error} />
      {secret && (
        <div class="note ok secret" role="status">
          <p>
            <strong>{t('keys.shownOnce')}</strong>
          </p>
          <code data-testid="new-key" class="select-all">
            {secret}
          </code>
          <button type="button" class="secondary" onClick={copy}>
            {copied ? t('keys.copied') : t('keys.copy')}
          </button>
        </div>
      )}
    </form>
  );
}

export function Keys() {
  const { t, date } = useI18n();
  const keys = useApi<Page<ApiKey>>('/api/v1/keys');
  const [confirming, setConfirming] = useState<string | null>(null);
  // Revoking the key in use signs this tab out on its next request: mark it so nobody does it by accident.
  const ownId = getSession()?.keyId;
  const [error, setError] = useState<unknown>(null);
  const revoke = async (id: string) => {
    setError(null);
    try {
      await api(`/api/v1/keys/${seg(id)}`, { method: 'DELETE' });
      setConfirming(null);
      keys.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section>
      <PageTitle>{t('keys.title')}</PageTitle>
      <div class="grid two">
        <article class="card">
          <h2>{t('keys.list')}</h2>
          <ErrorNote error={keys.error ?? error} />
          <Loading when={keys.loading && !keys.data} />
          {keys.data && (
            <div class="table-wrap">
              <table data-testid="keys-table">
                <thead>
                  <tr>
                    <th scope="col">{t('common.name')}</th>
                    <th scope="col">{t('keys.role')}</th>
                    <th scope="col">{t('keys.prefix')}</th>
                    <th scope="col">{t('keys.lastUsed')}</th>
                    <th scope="col">{t('common.status')}</th>
                    <th scope="col">
                      <span class="sr-only">{t('common.actions')}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {keys.data.items.map((k) => (
                    <tr key={k.id}>
                      <td>
                        {k.name}
                        {k.id === ownId && <span class="badge alias">{t('keys.thisKey')}</span>}
                        {k.scopes.length > 0 && <div class="muted small">{k.scopes.join(', ')}</div>}
                      </td>
                      <td>{t(`role.${k.role}` as MessageKey)}</td>
                      <td>
                        <code class="nowrap">{k.prefix}</code>
                      </td>
                      <td>{date(k.lastUsedAt)}</td>
                      <td>
                        {k.revokedAt ? (
                          <span class="badge status-cancelled">{t('keys.revoked')}</span>
                        ) : (
                          <span class="badge status-succeeded">{t('keys.active')}</span>
                        )}
                      </td>
                      <td>
                        {!k.revokedAt &&
                          (confirming === k.id ? (
                            <span class="row">
                              <button class="danger" onClick={() => revoke(k.id)}>
                                {t('keys.confirmRevoke')}
                              </button>
                              <button class="secondary" onClick={() => setConfirming(null)}>
                                {t('common.cancel')}
                              </button>
                            </span>
                          ) : (
                            <button class="secondary" onClick={() => setConfirming(k.id)} aria-label={t('keys.revokeNamed', { name: k.name })}>
                              {t('keys.revoke')}
                            </button>
                          ))}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </article>
        <CreateKey onCreated={keys.reload} />
      </div>
    </section>
  );
}
