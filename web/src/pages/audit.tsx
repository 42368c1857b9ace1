// The audit log (admins): hash-chained events, oldest first, filtered by action, loaded a page at a time.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client';
import { useI18n } from '../i18n';
import { ErrorNote, Empty, PageTitle } from '../components/common';
import type { AuditEvent, Page } from '../types';

const PAGE = 100;

export function Audit() {
  const { t, date } = useI18n();
  const [action, setAction] = useState('');
  const [applied, setApplied] = useState('');
  const [items, setItems] = useState<AuditEvent[]>([]);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const load = async (after: number, reset: boolean) => {
    setError(null);
    try {
      const q = new URLSearchParams({ limit: String(PAGE), afterSeq: String(after) });
      if (applied) q.set('action', applied);
      const r = await api<Page<AuditEvent>>(`/api/v1/audit?${q}`);
      setItems((xs) => (reset ? r.items : [...xs, ...r.items]));
      setMore(r.items.length === PAGE);
    } catch (err) {
      setError(err);
    }
  };
  useEffect(() => {
    load(0, true);
  }, [applied]);
  return (
    <section>
      <PageTitle>{t('audit.title')}</PageTitle>
      <article class="card">
        <form
          class="row wrap"
          onSubmit={(e) => {
            e.preventDefault();
            setApplied(action.trim());
          }}
        >
          <div class="field">
            <label for="audit-action">{t('audit.action')}</label>
            <input id="audit-action" value={action} placeholder="model.promote" onInput={(e) => setAction((e.target as HTMLInputElement).value)} />
          </div>
          <button type="submit" class="secondary">
            {t('audit.filter')}
          </button>
        </form>
        <ErrorNote error={error} />
        {items.length === 0 ? (
          <Empty text={t('audit.none')} />
        ) : (
          <div class="table-wrap">
            <table class="dense" data-testid="audit-table">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">{t('audit.when')}</th>
                  <th scope="col">{t('audit.actor')}</th>
                  <th scope="col">{t('audit.action')}</th>
                  <th scope="col">{t('audit.object')}</th>
                  <th scope="col">{t('audit.details')}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((e) => (
                  <tr key={e.id}>
                    <td>{e.seq}</td>
                    <td>{date(e.at)}</td>
                    <td>{typeof e.details?.key === 'string' ? e.details.key : e.actor}</td>
                    <td>
                      <code>{e.action}</code>
                    </td>
                    <td class="small">
                      {e.objectType} <code>{e.objectId}</code>
                    </td>
                    <td class="small">
                      <code>{JSON.stringify(e.details)}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {more && (
          <button class="secondary" onClick={() => load(items[items.length - 1].seq, false)}>
            {t('audit.more')}
          </button>
        )}
      </article>
    </section>
  );
}
