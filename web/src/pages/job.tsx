// One training job: live loss and validation curves from its event stream, ETA, cancel, and its log.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, seg } from '../api/client';
import { LineChart } from '../charts/line-chart';
import { useApi } from '../hooks';
import { useI18n } from '../i18n';
import { useJobStream } from '../job-stream';
import { roleCan } from '../permissions';
import { Link } from '../router';
import type { Role } from '../session-store';
import { ErrorNote, Facts, Loading, PageTitle, StatusBadge, formatDuration } from '../components/common';
import type { Job } from '../types';

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);

export function JobPage({ id, role }: { id: string; role: Role }) {
  const { t, date, maybe } = useI18n();
  const job = useApi<Job>(`/api/v1/jobs/${seg(id)}`);
  const stream = useJobStream(id);
  const [cancelError, setCancelError] = useState<unknown>(null);
  const [cancelling, setCancelling] = useState(false);
  const status = stream.status ?? job.data?.status ?? null;
  // The job row's final state (version, times) once the stream says it has ended.
  useEffect(() => {
    if (status && FINAL.has(status) && job.data && !FINAL.has(job.data.status)) job.reload();
  }, [status]);

  const c = stream.curves;
  const lossData = useMemo(() => [c.epochs, c.trainLoss, c.validationLoss], [c]);
  const metricNames = Object.keys(c.metrics);
  const metricData = useMemo(() => [c.epochs, ...metricNames.map((k) => c.metrics[k])], [c]);
  const palette = ['#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e'];

  const cancel = async () => {
    setCancelling(true);
    setCancelError(null);
    try {
      await api(`/api/v1/jobs/${seg(id)}/cancel`, { method: 'POST' });
      job.reload();
    } catch (e) {
      setCancelError(e);
    } finally {
      setCancelling(false);
    }
  };
  const j = job.data;
  const fraction = stream.totalEpochs ? Math.min(1, stream.epoch / stream.totalEpochs) : (j?.progress?.fraction ?? 0);
  const finished = !!status && FINAL.has(status);

  return (
    <section>
      <p class="crumbs">
        <Link href="/jobs">{t('nav.jobs')}</Link> /
      </p>
      <PageTitle>{t('job.title', { model: j?.spec.modelName ?? '…' })}</PageTitle>
      <ErrorNote error={job.error} />
      <Loading when={job.loading && !j} />
      {j && (
        <article class="card">
          <div class="row spread">
            <div class="row">
              <StatusBadge status={status ?? j.status} />
              {!finished && (
                <span aria-live="polite" data-testid="eta">
                  {t('job.eta')}: {stream.etaSeconds === null ? '—' : formatDuration(stream.etaSeconds, t)}
                </span>
              )}
            </div>
            {!finished && roleCan(role, 'jobs:write') && (
              <button class="danger" onClick={cancel} disabled={cancelling}>
                {t('job.cancel')}
              </button>
            )}
          </div>
          <progress max={1} value={finished && status === 'succeeded' ? 1 : fraction} aria-label={t('jobs.progress')} class="wide" />
          <ErrorNote error={cancelError} />
          {(stream.error || j.error) && (
            <div class="note error" role="alert">
              {stream.error ?? j.error}
            </div>
          )}
          <Facts
            items={[
              [
                t('common.dataset'),
                <Link href={`/datasets/${seg(j.spec.dataset)}`}>
                  {j.spec.dataset} · {t('common.versionN', { n: j.spec.datasetVersion })}
                </Link>,
              ],
              [t('train.target'), j.spec.target],
              [t('train.template'), j.spec.template ?? '—'],
              [t('job.epochs'), `${stream.epoch} / ${stream.totalEpochs ?? j.spec.epochs ?? '—'}`],
              [t('common.created'), date(j.createdAt)],
              [t('job.finished'), date(j.finishedAt)],
            ]}
          />
          {status === 'succeeded' && (stream.versionNumber || j.resultModelVersionId) && (
            <p>
              <Link href={`/models/${seg(j.spec.modelName)}`} data-testid="job-model-link">
                {t('job.openModel', { model: j.spec.modelName, n: stream.versionNumber ?? '' })}
              </Link>
            </p>
          )}
        </article>
      )}
      <div class="grid two">
        <article class="card">
          <LineChart
            title={t('job.lossCurve')}
            xLabel={t('job.epoch')}
            yLabel={t('job.loss')}
            data={lossData}
            testId="loss-chart"
            series={[
              { label: t('job.trainLoss'), color: '#1f5fa8', points: true },
              { label: t('job.validationLoss'), color: '#d95f02', dash: [6, 4], points: true },
            ]}
          />
        </article>
        <article class="card">
          {metricNames.length > 0 ? (
            <LineChart
              title={t('job.validationMetrics')}
              xLabel={t('job.epoch')}
              yLabel={t('job.score')}
              data={metricData}
              testId="metric-chart"
              series={metricNames.map((k, i) => ({ label: maybe(`metric.${k}`, k), color: palette[i % palette.length], points: true }))}
            />
          ) : (
            <p class="muted">{t('job.noMetricsYet')}</p>
          )}
        </article>
      </div>
      <article class="card">
        <h2>{t('job.log')}</h2>
        {stream.streamError && <div class="note warn">{stream.streamError}</div>}
        <pre class="log" tabIndex={0} aria-label={t('job.log')} data-testid="job-log">
          {stream.log.map((l) => `${l.at.slice(11, 19)}  ${t(l.key, { ...l.params, best: l.params.best ? t('log.best') : '' })}`).join('\n')}
        </pre>
      </article>
    </section>
  );
}
