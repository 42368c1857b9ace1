// Models: every model in the registry.
import { seg } from '../api/client';
import { useApi } from '../hooks';
import { useI18n } from '../i18n';
import { Link } from '../router';
import { Empty, ErrorNote, Loading, PageTitle } from '../components/common';
import type { Model, Page } from '../types';

export function Models() {
  const { t, date } = useI18n();
  const models = useApi<Page<Model>>('/api/v1/models?limit=500');
  return (
    <section>
      <PageTitle>{t('models.title')}</PageTitle>
      <article class="card">
        <ErrorNote error={models.error} />
        <Loading when={models.loading && !models.data} />
        {models.data &&
          (models.data.items.length === 0 ? (
            <Empty text={t('models.none')} />
          ) : (
            <div class="table-wrap">
              <table data-testid="models-table">
                <thead>
                  <tr>
                    <th scope="col">{t('common.name')}</th>
                    <th scope="col">{t('common.updated')}</th>
                  </tr>
                </thead>
                <tbody>
                  {models.data.items.map((m) => (
                    <tr key={m.id}>
                      <td>
                        <Link href={`/models/${seg(m.name)}`}>{m.name}</Link>
                      </td>
                      <td>{date(m.updatedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ))}
      </article>
    </section>
  );
}
