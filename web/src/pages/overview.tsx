// Overview: every deployment with its health and traffic, running jobs and the most recent ones.
import { useEffect, useState } from 'preact/hooks';
import { api, seg } from '../api/client';
import { servingOf } from '../api/health';
import { deploymentTraffic, fetchMetrics, type Sample } from '../api/prometheus';
import { useApi, useInterval } from '../hooks';
import { useI18n } from '../i18n';
import { Link } from '../router';
import { Empty, ErrorNote, Loading, PageTitle, StatusBadge } from '../components/common';
import type { Deployment, Job, ModelDetail, Page } from '../types';

export function Overview() {
  const { t, num, date } = useI18n();
  const deps = useApi<Page<Deployment>>('/api/v1/deployments?limit=200');
  const jobs = useApi<Page<Job>>('/api/v1/jobs?limit=20');
  const [models, setModels] = useState<Record<string, ModelDetail>>({});
  const [metrics, setMetrics] = useState<Sample[]>([]);

  useEffect(() => {
    const names = [...new Set((deps.data?.items ?? []).map((d) => d.model))];
    Promise.all(
      names.map((n) =>
        api<ModelDetail>(`/api/v1/models/${seg(n)}`)
          .then((m) => [n, m] as const)
          .catch(() => null),
      ),
    ).then((r) => setModels(Object.fromEntries(r.filter((x): x is readonly [string, ModelDetail] => !!x))));
  }, [deps.data]);
  useInterval(() => {
    fetchMetrics()
      .then(setMetrics)
      .catch(() => {});
  }, 10_000);
  // Running jobs move: refresh the list while any is not finished.
  const active = (jobs.data?.items ?? []).filter((j) => j.status === 'queued' || j.status === 'running');
  useInterval(() => jobs.reload(), active.length ? 3000 : null);

  return (
    <section>
      <PageTitle>{t('overview.title')}</PageTitle>
      <div class="grid two">
        <article class="card">
          <h2>{t('overview.deployments')}</h2>
          <ErrorNote error={deps.error} />
          <Loading when={deps.loading && !deps.data} />
          {deps.data &&
            (deps.data.items.length === 0 ? (
              <Empty text={t('overview.noDeployments')} />
            ) : (
              <div class="table-wrap">
                <table data-testid="overview-deployments">
                  <thead>
                    <tr>
                      <th scope="col">{t('common.name')}</th>
                      <th scope="col">{t('common.model')}</th>
                      <th scope="col">{t('deployments.serving')}</th>
                      <th scope="col">{t('common.status')}</th>
                      <th scope="col">{t('overview.requests')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {deps.data.items.map((d) => {
                      const s = servingOf(d, models[d.model]);
                      const traffic = deploymentTraffic(metrics, d.name);
                      return (
                        <tr key={d.id}>
                          <td>
                            <Link href={`/deployments/${seg(d.name)}`}>{d.name}</Link>
                          </td>
                          <td>
                            <Link href={`/models/${seg(d.model)}`}>{d.model}</Link>
                          </td>
                          <td>
                            {d.targetAlias ? `@${d.targetAlias}` : ''} {s.version !== null ? t('common.versionN', { n: s.version }) : ''}
                          </td>
                          <td>
                            <StatusBadge status={s.status} />
                          </td>
                          <td>
                            {num(traffic.ok + traffic.errors, 0)}
                            {traffic.errors > 0 && <span class="muted small"> ({t('overview.errors', { n: num(traffic.errors, 0) })})</span>}
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            ))}
        </article>
        <article class="card">
          <h2>{t('overview.running')}</h2>
          {jobs.data &&
            (active.length === 0 ? (
              <Empty text={t('overview.noRunning')} />
            ) : (
              <ul class="plain">
                {active.map((j) => (
                  <li key={j.id}>
                    <Link href={`/jobs/${seg(j.id)}`}>{j.spec.modelName}</Link> <StatusBadge status={j.status} />
                    {j.progress?.fraction !== undefined && <progress max={1} value={j.progress.fraction} aria-label={t('jobs.progress')} />}
                  </li>
                ))}
              </ul>
            ))}
          <h2>{t('overview.recentJobs')}</h2>
          <ErrorNote error={jobs.error} />
          <Loading when={jobs.loading && !jobs.data} />
          {jobs.data &&
            (jobs.data.items.length === 0 ? (
              <Empty text={t('jobs.none')} />
            ) : (
              <div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">{t('common.model')}</th>
                      <th scope="col">{t('common.dataset')}</th>
                      <th scope="col">{t('common.status')}</th>
                      <th scope="col">{t('common.created')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {jobs.data.items.slice(0, 8).map((j) => (
                      <tr key={j.id}>
                        <td>
                          <Link href={`/jobs/${seg(j.id)}`}>{j.spec.modelName}</Link>
                        </td>
                        <td>{j.spec.dataset}</td>
                        <td>
                          <StatusBadge status={j.status} />
                        </td>
                        <td>{date(j.createdAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ))}
        </article>
      </div>
    </section>
  );
}
