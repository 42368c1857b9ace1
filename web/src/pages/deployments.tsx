// Deployments: the list, and a form to serve a model by alias (follows promotions) or by a pinned version.
import { useEffect, useState } from 'preact/hooks';
import { api, seg } from '../api/client';
import { useApi } from '../hooks';
import { useI18n } from '../i18n';
import { roleCan } from '../permissions';
import { Link, navigate } from '../router';
import type { Role } from '../session-store';
import { Empty, ErrorNote, Loading, PageTitle } from '../components/common';
import type { Deployment, Model, ModelDetail, Page } from '../types';

function CreateForm() {
  const { t } = useI18n();
  const models = useApi<Page<Model>>('/api/v1/models?limit=500');
  const [model, setModel] = useState('');
  const detail = useApi<ModelDetail>(model ? `/api/v1/models/${seg(model)}` : null);
  const [name, setName] = useState('');
  const [mode, setMode] = useState<'alias' | 'version'>('alias');
  const [alias, setAlias] = useState('production');
  const [version, setVersion] = useState('');
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (!model && models.data?.items.length) setModel(models.data.items[0].name);
  }, [models.data]);
  useEffect(() => {
    if (model) setName((n) => n || `${model}-prod`.slice(0, 128));
  }, [model]);
  const versions = (detail.data?.versions ?? []).map((v) => v.number).sort((a, b) => a - b);
  useEffect(() => setVersion(String(versions[versions.length - 1] ?? '')), [detail.data]);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const body = mode === 'alias' ? { name, model, alias } : { name, model, version: Number(version) };
      const d = await api<Deployment>('/api/v1/deployments', { method: 'POST', body });
      navigate(`/deployments/${seg(d.name)}`);
    } catch (err) {
      setError(err);
    }
  };
  if (models.data && models.data.items.length === 0)
    return (
      <article class="card">
        <h2>{t('deployments.create')}</h2>
        <p class="muted">{t('deployments.noModels')}</p>
      </article>
    );
  return (
    <form class="card" onSubmit={submit} data-testid="deploy-form">
      <h2>{t('deployments.create')}</h2>
      <div class="field">
        <label for="deploy-model">{t('common.model')}</label>
        <select id="deploy-model" value={model} onChange={(e) => setModel((e.target as HTMLSelectElement).value)}>
          {(models.data?.items ?? []).map((m) => (
            <option key={m.id} value={m.name}>
              {m.name}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="deploy-name">{t('common.name')}</label>
        <input
          id="deploy-name"
          value={name}
          required
          pattern="[A-Za-z0-9][A-Za-z0-9._\-]{0,127}"
          onInput={(e) => setName((e.target as HTMLInputElement).value)}
        />
      </div>
      <fieldset class="field">
        <legend>{t('deployments.serves')}</legend>
        <label class="check">
          <input type="radio" name="deploy-mode" checked={mode === 'alias'} onChange={() => setMode('alias')} /> {t('deployments.byAlias')}
        </label>
        <label class="check">
          <input type="radio" name="deploy-mode" checked={mode === 'version'} onChange={() => setMode('version')} /> {t('deployments.byVersion')}
        </label>
      </fieldset>
      {mode === 'alias' ? (
        <div class="field">
          <label for="deploy-alias">{t('model.alias')}</label>
          <input id="deploy-alias" value={alias} required onInput={(e) => setAlias((e.target as HTMLInputElement).value)} />
        </div>
      ) : (
        <div class="field">
          <label for="deploy-version">{t('common.version')}</label>
          <select id="deploy-version" value={version} onChange={(e) => setVersion((e.target as HTMLSelectElement).value)}>
            {versions.map((n) => (
              <option key={n} value={n}>
                {t('common.versionN', { n })}
              </option>
            ))}
          </select>
        </div>
      )}
      <ErrorNote error={error} />
      <button type="submit" disabled={!model}>
        {t('deployments.createButton')}
      </button>
    </form>
  );
}

export function Deployments({ role }: { role: Role }) {
  const { t, date } = useI18n();
  const list = useApi<Page<Deployment>>('/api/v1/deployments?limit=500');
  return (
    <section>
      <PageTitle>{t('deployments.title')}</PageTitle>
      <div class="grid two">
        <article class="card">
          <h2>{t('deployments.list')}</h2>
          <ErrorNote error={list.error} />
          <Loading when={list.loading && !list.data} />
          {list.data &&
            (list.data.items.length === 0 ? (
              <Empty text={t('overview.noDeployments')} />
            ) : (
              <div class="table-wrap">
                <table data-testid="deployments-table">
                  <thead>
                    <tr>
                      <th scope="col">{t('common.name')}</th>
                      <th scope="col">{t('common.model')}</th>
                      <th scope="col">{t('deployments.target')}</th>
                      <th scope="col">{t('common.updated')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.data.items.map((d) => (
                      <tr key={d.id}>
                        <td>
                          <Link href={`/deployments/${seg(d.name)}`}>{d.name}</Link>
                        </td>
                        <td>{d.model}</td>
                        <td>{d.targetAlias ? `@${d.targetAlias}` : t('common.versionN', { n: d.targetVersion ?? '?' })}</td>
                        <td>{date(d.updatedAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ))}
        </article>
        {roleCan(role, 'deployments:write') && <CreateForm />}
      </div>
    </section>
  );
}
