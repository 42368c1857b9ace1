// One model: its versions with metrics, aliases and promotion, one version in detail, and two versions side by side.
import { useEffect, useState } from 'preact/hooks';
import { api, seg } from '../api/client';
import { useApi } from '../hooks';
import { useI18n } from '../i18n';
import { roleCan } from '../permissions';
import { Link } from '../router';
import type { Role } from '../session-store';
import { Empty, ErrorNote, Loading, PageTitle } from '../components/common';
import { HEADLINE, direction } from '../metric-names';
import { VersionView } from './version-view';
import type { Comparison, ModelDetail } from '../types';

const ALIAS = /^[a-z][a-z0-9_-]{0,63}$/;

function PromoteForm({ model, versions, onDone }: { model: ModelDetail; versions: number[]; onDone: () => void }) {
  const { t } = useI18n();
  const [alias, setAlias] = useState('production');
  const [version, setVersion] = useState(String(versions[versions.length - 1] ?? ''));
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  useEffect(() => setVersion(String(versions[versions.length - 1] ?? '')), [versions.length]);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!ALIAS.test(alias)) {
      setError(new Error(t('model.badAlias')));
      return;
    }
    setError(null);
    setDone(null);
    try {
      await api(`/api/v1/models/${seg(model.name)}/aliases/${seg(alias)}`, { method: 'PUT', body: { version: Number(version) } });
      setDone(t('model.promoted', { alias, n: version }));
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form class="row wrap" onSubmit={submit} data-testid="promote-form" aria-label={t('model.promote')}>
      <div class="field">
        <label for="promote-alias">{t('model.alias')}</label>
        <input id="promote-alias" value={alias} list="alias-suggestions" onInput={(e) => setAlias((e.target as HTMLInputElement).value)} required />
        <datalist id="alias-suggestions">
          <option value="production" />
          <option value="staging" />
        </datalist>
      </div>
      <div class="field">
        <label for="promote-version">{t('common.version')}</label>
        <select id="promote-version" value={version} onChange={(e) => setVersion((e.target as HTMLSelectElement).value)}>
          {versions.map((n) => (
            <option key={n} value={n}>
              {t('common.versionN', { n })}
            </option>
          ))}
        </select>
      </div>
      <button type="submit">{t('model.promote')}</button>
      {done && (
        <span role="status" class="ok">
          {done}
        </span>
      )}
      <ErrorNote error={error} />
    </form>
  );
}

function Compare({ model, versions }: { model: string; versions: number[] }) {
  const { t, num, maybe } = useI18n();
  const [a, setA] = useState(String(versions[Math.max(0, versions.length - 2)] ?? ''));
  const [b, setB] = useState(String(versions[versions.length - 1] ?? ''));
  const [result, setResult] = useState<Comparison | null>(null);
  const [error, setError] = useState<unknown>(null);
  const run = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      setResult(await api<Comparison>(`/api/v1/models/${seg(model)}/compare?a=${seg(a)}&b=${seg(b)}`));
    } catch (err) {
      setError(err);
    }
  };
  const pick = (id: string, value: string, set: (v: string) => void, label: string) => (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => set((e.target as HTMLSelectElement).value)}>
        {versions.map((n) => (
          <option key={n} value={n}>
            {t('common.versionN', { n })}
          </option>
        ))}
      </select>
    </div>
  );
  return (
    <div>
      <form class="row wrap" onSubmit={run}>
        {pick('compare-a', a, setA, t('model.compareA'))}
        {pick('compare-b', b, setB, t('model.compareB'))}
        <button type="submit" class="secondary">
          {t('model.compare')}
        </button>
      </form>
      <ErrorNote error={error} />
      {result && (
        <div class="table-wrap">
          <table class="dense" data-testid="compare-table">
            <thead>
              <tr>
                <th scope="col">{t('model.metric')}</th>
                <th scope="col">{t('common.versionN', { n: result.a.number })}</th>
                <th scope="col">{t('common.versionN', { n: result.b.number })}</th>
                <th scope="col">{t('model.delta')}</th>
              </tr>
            </thead>
            <tbody>
              {result.metrics.map((r) => (
                <tr key={r.name}>
                  <th scope="row">{maybe(`metric.${r.name}`, r.name)}</th>
                  <td>{num(r.a, 4)}</td>
                  <td>{num(r.b, 4)}</td>
                  <td class={direction(r.name, r.delta)}>
                    {r.delta === null ? '—' : `${r.delta > 0 ? '+' : ''}${num(r.delta, 4)}`}
                    {/* Not by colour alone: the word is there for screen readers and colour-blind readers (as a tooltip). */}
                    {direction(r.name, r.delta) && (
                      <span title={t(direction(r.name, r.delta) === 'better' ? 'model.better' : 'model.worse')}>
                        {' '}
                        {direction(r.name, r.delta) === 'better' ? '▲' : '▼'}
                        <span class="sr-only">{t(direction(r.name, r.delta) === 'better' ? 'model.better' : 'model.worse')}</span>
                      </span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

export function ModelPage({ name, role }: { name: string; role: Role }) {
  const { t, num, date, maybe } = useI18n();
  const model = useApi<ModelDetail>(`/api/v1/models/${seg(name)}`);
  const [picked, setPicked] = useState<number | null>(null);
  const versions = [...(model.data?.versions ?? [])].sort((x, y) => x.number - y.number);
  const selected = versions.find((v) => v.number === picked) ?? versions[versions.length - 1];
  const aliasesOf = (id: string) => (model.data?.aliases ?? []).filter((a) => a.versionId === id).map((a) => a.alias);
  const numbers = versions.map((v) => v.number);
  return (
    <section>
      <p class="crumbs">
        <Link href="/models">{t('nav.models')}</Link> /
      </p>
      <PageTitle>{name}</PageTitle>
      <ErrorNote error={model.error} />
      <Loading when={model.loading && !model.data} />
      {model.data && (
        <>
          <article class="card">
            <h2>{t('model.versions')}</h2>
            {versions.length === 0 ? (
              <Empty text={t('model.noVersions')} />
            ) : (
              <div class="table-wrap">
                <table data-testid="versions-table">
                  <thead>
                    <tr>
                      <th scope="col">{t('common.version')}</th>
                      <th scope="col">{t('model.task')}</th>
                      <th scope="col">{t('model.metrics')}</th>
                      <th scope="col">{t('model.aliases')}</th>
                      <th scope="col">{t('common.created')}</th>
                      <th scope="col">
                        <span class="sr-only">{t('common.actions')}</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {[...versions].reverse().map((v) => (
                      <tr key={v.id} class={v === selected ? 'selected' : ''}>
                        <td>{t('common.versionN', { n: v.number })}</td>
                        <td>{maybe(`task.${v.manifest.task}`, v.manifest.task)}</td>
                        <td class="small">
                          {(HEADLINE[v.manifest.task] ?? [])
                            .filter((k) => typeof v.metrics?.[k] === 'number')
                            .slice(0, 3)
                            .map((k) => `${maybe(`metric.${k}`, k)} ${num(v.metrics[k] as number)}`)
                            .join(' · ')}
                        </td>
                        <td>
                          {aliasesOf(v.id).map((a) => (
                            <span class="badge alias" key={a}>
                              @{a}
                            </span>
                          ))}
                        </td>
                        <td>{date(v.createdAt)}</td>
                        <td>
                          <button class="link" onClick={() => setPicked(v.number)} aria-pressed={v === selected}>
                            {t('model.show')}
                          </button>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            {roleCan(role, 'models:promote') && versions.length > 0 && <PromoteForm model={model.data} versions={numbers} onDone={model.reload} />}
          </article>
          {selected && (
            <article class="card">
              <h2>{t('model.versionDetail', { n: selected.number })}</h2>
              <VersionView model={name} version={selected} key={selected.id} />
            </article>
          )}
          {versions.length > 1 && (
            <article class="card">
              <h2>{t('model.compareTitle')}</h2>
              <Compare model={name} versions={numbers} />
            </article>
          )}
        </>
      )}
    </section>
  );
}
