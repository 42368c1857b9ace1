// Train: pick a dataset version, the column to predict and a template (explained in plain words), then start a job.
import { useEffect, useState } from 'preact/hooks';
import { api, seg } from '../api/client';
import { useApi } from '../hooks';
import { useI18n } from '../i18n';
import { roleCan } from '../permissions';
import { navigate } from '../router';
import type { Role } from '../session-store';
import { TEMPLATES } from '../templates';
import { ErrorNote, Loading, PageTitle } from '../components/common';
import { Bars } from '../charts/bars';
import type { Dataset, DatasetDetail, Job, Page } from '../types';

export function Train({ role }: { role: Role }) {
  const { t, num } = useI18n();
  const list = useApi<Page<Dataset>>('/api/v1/datasets?limit=500');
  const [dataset, setDataset] = useState('');
  const detail = useApi<DatasetDetail>(dataset ? `/api/v1/datasets/${seg(dataset)}` : null);
  const [version, setVersion] = useState<number | null>(null);
  const [target, setTarget] = useState('');
  const [template, setTemplate] = useState(TEMPLATES[0].name);
  const [model, setModel] = useState('');
  const [epochs, setEpochs] = useState('');
  const [exclude, setExclude] = useState<string[]>([]);
  const [groupColumn, setGroupColumn] = useState('');
  const [timeColumn, setTimeColumn] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!dataset && list.data?.items.length) setDataset(list.data.items[0].name);
  }, [list.data]);
  const versions = detail.data?.versions ?? [];
  const v = versions.find((x) => x.number === version) ?? versions[versions.length - 1];
  const columns = v?.profile.columns ?? [];
  // The target's class balance, so a rare failure class is visible before training starts.
  const targetCol = columns.find((c) => c.name === target);
  useEffect(() => {
    // A fresh dataset: suggest its model name and clear choices that named the old one's columns.
    if (dataset) setModel((m) => (m && !m.endsWith('-model') ? m : `${dataset}-model`.slice(0, 128)));
    setVersion(null);
    setTarget('');
    setExclude([]);
    setGroupColumn('');
    setTimeColumn('');
  }, [dataset]);

  if (!roleCan(role, 'jobs:write'))
    return (
      <section>
        <PageTitle>{t('train.title')}</PageTitle>
        <p>{t('error.forbidden')}</p>
      </section>
    );

  const chosen = TEMPLATES.find((x) => x.name === template)!;
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!v || !target || !model) return;
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, unknown> = { dataset, version: v.number, target, model, template };
      if (epochs) body.epochs = Number(epochs);
      if (exclude.length) body.exclude = exclude.filter((c) => c !== target);
      if (chosen.rul) {
        body.task = 'rul';
        if (groupColumn) body.groupColumn = groupColumn;
        if (timeColumn) body.timeColumn = timeColumn;
      }
      const job = await api<Job>('/api/v1/jobs', { method: 'POST', body });
      navigate(`/jobs/${seg(job.id)}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const toggle = (c: string, on: boolean) => setExclude((xs) => (on ? [...xs, c] : xs.filter((x) => x !== c)));

  return (
    <section>
      <PageTitle>{t('train.title')}</PageTitle>
      <ErrorNote error={list.error} />
      <Loading when={list.loading && !list.data} />
      {list.data && list.data.items.length === 0 && <p>{t('train.noDatasets')}</p>}
      {list.data && list.data.items.length > 0 && (
        <form class="card form-grid" onSubmit={submit} data-testid="train-form">
          <div class="field">
            <label for="train-dataset">{t('common.dataset')}</label>
            <select id="train-dataset" value={dataset} onChange={(e) => setDataset((e.target as HTMLSelectElement).value)}>
              {list.data.items.map((d) => (
                <option key={d.id} value={d.name}>
                  {d.name}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="train-version">{t('common.version')}</label>
            <select id="train-version" value={v?.number ?? ''} onChange={(e) => setVersion(Number((e.target as HTMLSelectElement).value))}>
              {versions.map((x) => (
                <option key={x.number} value={x.number}>
                  {t('common.versionN', { n: x.number })} · {t('train.rows', { n: x.rows })}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="train-target">{t('train.target')}</label>
            <select id="train-target" value={target} required onChange={(e) => setTarget((e.target as HTMLSelectElement).value)}>
              <option value="">{t('train.chooseTarget')}</option>
              {columns.map((c) => (
                <option key={c.name} value={c.name}>
                  {c.name}
                </option>
              ))}
            </select>
            <span class="muted small">{t('train.targetHelp')}</span>
            {targetCol?.top && targetCol.distinct <= 50 && (
              <Bars
                title={t('profile.labelDistribution', { column: target })}
                horizontal
                bars={targetCol.top.map((x) => ({ label: x.value, value: x.count }))}
                format={(n) => `${num(n, 0)} (${num((100 * n) / Math.max(1, v?.rows ?? 1), 1)}%)`}
                color="#d95f02"
                testId="target-distribution"
              />
            )}
          </div>
          <fieldset class="field templates">
            <legend>{t('train.template')}</legend>
            {TEMPLATES.map((x) => (
              <label key={x.name} class={`template ${template === x.name ? 'chosen' : ''}`}>
                <input type="radio" name="template" value={x.name} checked={template === x.name} onChange={() => setTemplate(x.name)} />
                <span>
                  <strong>{t(x.title)}</strong>
                  <br />
                  <span class="small">{t(x.description)}</span>
                </span>
              </label>
            ))}
          </fieldset>
          <div class="field">
            <label for="train-model">{t('train.modelName')}</label>
            <input
              id="train-model"
              value={model}
              required
              pattern="[A-Za-z0-9][A-Za-z0-9._\-]{0,127}"
              onInput={(e) => setModel((e.target as HTMLInputElement).value)}
            />
          </div>
          <details class="field">
            <summary>{t('train.optional')}</summary>
            <div class="field">
              <label for="train-epochs">{t('train.epochs')}</label>
              <input
                id="train-epochs"
                type="number"
                min={1}
                max={10000}
                value={epochs}
                placeholder={t('train.epochsDefault')}
                onInput={(e) => setEpochs((e.target as HTMLInputElement).value)}
              />
            </div>
            {chosen.rul && (
              <>
                <div class="field">
                  <label for="train-group">{t('train.groupColumn')}</label>
                  <select id="train-group" value={groupColumn} onChange={(e) => setGroupColumn((e.target as HTMLSelectElement).value)}>
                    <option value="">—</option>
                    {columns.map((c) => (
                      <option key={c.name} value={c.name}>
                        {c.name}
                      </option>
                    ))}
                  </select>
                </div>
                <div class="field">
                  <label for="train-time">{t('train.timeColumn')}</label>
                  <select id="train-time" value={timeColumn} onChange={(e) => setTimeColumn((e.target as HTMLSelectElement).value)}>
                    <option value="">—</option>
                    {columns.map((c) => (
                      <option key={c.name} value={c.name}>
                        {c.name}
                      </option>
                    ))}
                  </select>
                </div>
              </>
            )}
            <fieldset class="field">
              <legend>{t('train.exclude')}</legend>
              <p class="muted small">{t('train.excludeHelp')}</p>
              <div class="checks">
                {columns
                  .filter((c) => c.name !== target)
                  .map((c) => (
                    <label key={c.name} class="check">
                      <input type="checkbox" checked={exclude.includes(c.name)} onChange={(e) => toggle(c.name, (e.target as HTMLInputElement).checked)} />{' '}
                      {c.name}
                    </label>
                  ))}
              </div>
            </fieldset>
          </details>
          <ErrorNote error={error} />
          <div>
            <button type="submit" disabled={busy || !target || !v}>
              {busy ? t('common.working') : t('train.start')}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
