// One deployment: what it serves, a try-it form, request rate and latency from /metrics, and micro-batching settings.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, seg } from '../api/client';
import { servingOf } from '../api/health';
import { LineChart } from '../charts/line-chart';
import { useApi } from '../hooks';
import { useI18n } from '../i18n';
import { roleCan } from '../permissions';
import { Link } from '../router';
import { getSession, type Role } from '../session-store';
import { useTraffic } from '../traffic';
import { ErrorNote, Facts, Loading, PageTitle, StatusBadge } from '../components/common';
import { TryIt } from './try-it';
import type { Deployment, ModelDetail } from '../types';

function BatchingForm({ d, onSaved }: { d: Deployment; onSaved: () => void }) {
  const { t } = useI18n();
  const [on, setOn] = useState(!!d.batching);
  const [maxBatch, setMaxBatch] = useState(String(d.batching?.maxBatch ?? 32));
  const [maxDelayMs, setMaxDelayMs] = useState(String(d.batching?.maxDelayMs ?? 5));
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    try {
      await api(`/api/v1/deployments/${seg(d.name)}`, {
        method: 'PATCH',
        body: { batching: on ? { maxBatch: Number(maxBatch), maxDelayMs: Number(maxDelayMs) } : null },
      });
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form onSubmit={submit} data-testid="batching-form">
      <p class="muted small">{t('batching.help')}</p>
      <div class="field check">
        <input id="batching-on" type="checkbox" checked={on} onChange={(e) => setOn((e.target as HTMLInputElement).checked)} />
        <label for="batching-on">{t('batching.enable')}</label>
      </div>
      <div class="row wrap">
        <div class="field">
          <label for="batching-max">{t('batching.maxBatch')}</label>
          <input
            id="batching-max"
            type="number"
            min={1}
            max={10000}
            value={maxBatch}
            disabled={!on}
            onInput={(e) => setMaxBatch((e.target as HTMLInputElement).value)}
          />
        </div>
        <div class="field">
          <label for="batching-delay">{t('batching.maxDelay')}</label>
          <input
            id="batching-delay"
            type="number"
            min={0}
            max={1000}
            step="0.5"
            value={maxDelayMs}
            disabled={!on}
            onInput={(e) => setMaxDelayMs((e.target as HTMLInputElement).value)}
          />
        </div>
      </div>
      <button type="submit" class="secondary">
        {t('common.save')}
      </button>
      {saved && (
        <span role="status" class="ok">
          {' '}
          {t('common.saved')}
        </span>
      )}
      <ErrorNote error={error} />
    </form>
  );
}

export function DeploymentPage({ name, role }: { name: string; role: Role }) {
  const { t, num, date } = useI18n();
  const dep = useApi<Deployment>(`/api/v1/deployments/${seg(name)}`);
  const model = useApi<ModelDetail>(dep.data ? `/api/v1/models/${seg(dep.data.model)}` : null);
  const traffic = useTraffic(name);
  const d = dep.data;
  // A key scoped to other deployments would be refused: offer no form it cannot use.
  const scopes = getSession()?.scopes ?? [];
  const inScope = scopes.length === 0 || scopes.includes(name);
  const serving = d ? servingOf(d, model.data ?? undefined) : null;
  const version = serving?.version !== null && serving?.version !== undefined ? model.data?.versions.find((v) => v.number === serving.version) : undefined;
  const s = traffic.series;
  const rateData = useMemo(() => [s.time, s.rate], [s]);
  // A rolling five-minute window, so a single sample is not stretched over the whole axis.
  const now = s.time.length ? s.time[s.time.length - 1] : Date.now() / 1000;
  const span: [number, number] = [now - 300, now + 5];
  const latencyData = useMemo(() => [s.time, s.latencyMs], [s]);
  // The served version can move under an alias: look again when the page comes back into view.
  useEffect(() => {
    const again = () => {
      if (document.visibilityState === 'visible') model.reload();
    };
    document.addEventListener('visibilitychange', again);
    return () => document.removeEventListener('visibilitychange', again);
  }, []);

  return (
    <section>
      <p class="crumbs">
        <Link href="/deployments">{t('nav.deployments')}</Link> /
      </p>
      <PageTitle>{name}</PageTitle>
      <ErrorNote error={dep.error} />
      <Loading when={dep.loading && !d} />
      {d && (
        <article class="card">
          <Facts
            items={[
              [t('common.model'), <Link href={`/models/${seg(d.model)}`}>{d.model}</Link>],
              [t('deployments.target'), d.targetAlias ? `@${d.targetAlias}` : t('common.versionN', { n: d.targetVersion ?? '?' })],
              [t('deployments.serving'), serving?.version ? t('common.versionN', { n: serving.version }) : '—'],
              [t('common.status'), serving ? <StatusBadge status={serving.status} /> : '—'],
              [t('batching.title'), d.batching ? t('batching.summary', { n: d.batching.maxBatch, ms: d.batching.maxDelayMs }) : t('batching.off')],
              [t('common.updated'), date(d.updatedAt)],
            ]}
          />
        </article>
      )}
      {d && roleCan(role, 'predict') && inScope && (
        <article class="card">
          <h2>{t('tryIt.title')}</h2>
          {version ? (
            <TryIt deployment={name} manifest={version.manifest} onPredicted={traffic.refresh} key={version.id} />
          ) : (
            <p class="muted">{t('tryIt.noVersion')}</p>
          )}
        </article>
      )}
      <div class="grid two">
        <article class="card">
          <LineChart
            title={t('traffic.rate', { total: num(s.total, 0) })}
            xLabel={t('traffic.time')}
            yLabel={t('traffic.perSecond')}
            time
            data={rateData}
            xRange={span}
            testId="rate-chart"
            series={[{ label: t('traffic.requests'), color: '#1f5fa8', points: true }]}
          />
        </article>
        <article class="card">
          <LineChart
            title={t('traffic.latency')}
            xLabel={t('traffic.time')}
            yLabel={t('traffic.ms')}
            time
            data={latencyData}
            xRange={span}
            testId="latency-chart"
            series={[{ label: t('traffic.meanLatency'), color: '#d95f02', points: true }]}
          />
        </article>
      </div>
      {traffic.error && <div class="note warn">{traffic.error}</div>}
      {d && roleCan(role, 'deployments:write') && (
        <article class="card">
          <h2>{t('batching.title')}</h2>
          <BatchingForm d={d} onSaved={dep.reload} key={d.updatedAt} />
        </article>
      )}
    </section>
  );
}
