// Jobs: every training job, newest first, refreshed while any is still running.
import { seg } from '../api/client';
import { useApi, useInterval } from '../hooks';
import { useI18n } from '../i18n';
import { Link } from '../router';
import { Empty, ErrorNote, Loading, PageTitle, StatusBadge } from '../components/common';
import type { Job, Page } from '../types';

export function Jobs() {
  const { t, date } = useI18n();
  const jobs = useApi<Page<Job>>('/api/v1/jobs?limit=200');
  const running = (jobs.data?.items ?? []).some((j) => j.status === 'queued' || j.status === 'running');
  useInterval(() => jobs.reload(), running ? 3000 : null);
  return (
    <section>
      <PageTitle>{t('jobs.title')}</PageTitle>
      <article class="card">
        <ErrorNote error={jobs.error} />
        <Loading when={jobs.loading && !jobs.data} />
        {jobs.data &&
          (jobs.data.items.length === 0 ? (
            <Empty text={t('jobs.none')} />
          ) : (
            <div class="table-wrap">
              <table data-testid="jobs-table">
                <thead>
                  <tr>
                    <th scope="col">{t('common.model')}</th>
                    <th scope="col">{t('common.dataset')}</th>
                    <th scope="col">{t('train.target')}</th>
                    <th scope="col">{t('train.template')}</th>
                    <th scope="col">{t('common.status')}</th>
                    <th scope="col">{t('jobs.progress')}</th>
                    <th scope="col">{t('common.created')}</th>
                  </tr>
                </thead>
                <tbody>
                  {jobs.data.items.map((j) => (
                    <tr key={j.id}>
                      <td>
                        <Link href={`/jobs/${seg(j.id)}`}>{j.spec.modelName}</Link>
                      </td>
                      <td>
                        {j.spec.dataset} · {t('common.versionN', { n: j.spec.datasetVersion })}
                      </td>
                      <td>{j.spec.target}</td>
                      <td>{j.spec.template ?? '—'}</td>
                      <td>
                        <StatusBadge status={j.status} />
                      </td>
                      <td>{j.progress?.fraction !== undefined ? <progress max={1} value={j.progress.fraction} aria-label={t('jobs.progress')} /> : '—'}</td>
                      <td>{date(j.createdAt)}</td>
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
