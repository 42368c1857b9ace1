// One dataset: its versions, the chosen version's profile and a preview of its first rows.
import { useState } from 'preact/hooks';
import { seg } from '../api/client';
import { useApi } from '../hooks';
import { useI18n } from '../i18n';
import { Link } from '../router';
import { ErrorNote, Facts, Loading, PageTitle, formatBytes } from '../components/common';
import { ProfileView } from './profile-view';
import type { DatasetDetail, Preview } from '../types';

function PreviewTable({ name, version }: { name: string; version: number }) {
  const { t } = useI18n();
  const preview = useApi<Preview>(`/api/v1/datasets/${seg(name)}/preview?version=${version}&rows=20`);
  return (
    <article class="card">
      <h2>{t('dataset.preview')}</h2>
      <ErrorNote error={preview.error} />
      <Loading when={preview.loading} />
      {preview.data && (
        <>
          <p class="muted small">{t('dataset.previewOf', { n: preview.data.rows.length, total: preview.data.totalRows })}</p>
          <div class="table-wrap">
            <table class="dense" data-testid="preview-table">
              <thead>
                <tr>
                  {preview.data.columns.map((c) => (
                    <th scope="col" key={c}>
                      {c}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {preview.data.rows.map((r, i) => (
                  <tr key={i}>
                    {preview.data!.columns.map((c) => (
                      <td key={c}>{r[c] === null || r[c] === undefined ? '—' : String(r[c])}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </article>
  );
}

export function DatasetPage({ name }: { name: string }) {
  const { t, num, date } = useI18n();
  const ds = useApi<DatasetDetail>(`/api/v1/datasets/${seg(name)}`);
  const [picked, setPicked] = useState<number | null>(null);
  const versions = ds.data?.versions ?? [];
  const v = versions.find((x) => x.number === picked) ?? versions[versions.length - 1];
  return (
    <section>
      <p class="crumbs">
        <Link href="/datasets">{t('nav.datasets')}</Link> /
      </p>
      <PageTitle>{name}</PageTitle>
      <ErrorNote error={ds.error} />
      <Loading when={ds.loading && !ds.data} />
      {v && (
        <>
          <article class="card">
            <div class="row">
              <label for="dataset-version">{t('common.version')}</label>
              <select id="dataset-version" value={v.number} onChange={(e) => setPicked(Number((e.target as HTMLSelectElement).value))}>
                {versions.map((x) => (
                  <option key={x.number} value={x.number}>
                    {t('common.versionN', { n: x.number })} · {date(x.createdAt)}
                  </option>
                ))}
              </select>
            </div>
            <Facts
              items={[
                [t('dataset.rows'), num(v.rows, 0)],
                [t('dataset.columns'), num(v.profile.columns.length, 0)],
                [t('dataset.size'), formatBytes(v.bytes, num)],
                [t('dataset.format'), v.source.format],
                [t('dataset.masked'), v.source.masked ? t('common.yes') : t('common.no')],
                [t('dataset.sha'), <code>{v.sha256.slice(0, 12)}</code>],
              ]}
            />
          </article>
          <article class="card">
            <h2>{t('dataset.profile')}</h2>
            <ProfileView version={v} key={v.id} />
          </article>
          <PreviewTable name={name} version={v.number} key={v.id} />
        </>
      )}
    </section>
  );
}
