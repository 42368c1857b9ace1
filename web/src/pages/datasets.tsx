// Datasets: the list, and an upload form with a progress bar (writers only).
import { useState } from 'preact/hooks';
import { seg } from '../api/client';
import { uploadDataset } from '../api/upload';
import { useApi } from '../hooks';
import { useI18n } from '../i18n';
import { roleCan } from '../permissions';
import { Link, navigate } from '../router';
import type { Role } from '../session-store';
import { Empty, ErrorNote, Loading, PageTitle } from '../components/common';
import type { Dataset, Page } from '../types';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function UploadForm({ onDone }: { onDone: (name: string) => void }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [maskPii, setMaskPii] = useState(false);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);

  const pick = (f: File | null) => {
    setFile(f);
    // Suggest a name from the file: most people name datasets after their files.
    if (f && !name)
      setName(
        f.name
          .replace(/\.[^.]+$/, '')
          .replace(/[^A-Za-z0-9._-]+/g, '-')
          .replace(/^[^A-Za-z0-9]+/, '')
          .slice(0, 100),
      );
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!file) return;
    if (!NAME.test(name)) {
      setError(new Error(t('datasets.badName')));
      return;
    }
    setError(null);
    setProgress(0);
    try {
      await uploadDataset({ name, file, maskPii, onProgress: setProgress }).done;
      onDone(name);
    } catch (err) {
      setError(err);
      setProgress(null);
    }
  };
  return (
    <form class="card" onSubmit={submit} aria-labelledby="upload-title">
      <h2 id="upload-title">{t('datasets.upload')}</h2>
      <div class="field">
        <label for="upload-file">{t('datasets.file')}</label>
        <input
          id="upload-file"
          type="file"
          accept=".csv,.tsv,.txt,.json,.jsonl,.ndjson"
          required
          onChange={(e) => pick((e.target as HTMLInputElement).files?.[0] ?? null)}
        />
        <span class="muted small">{t('datasets.fileHelp')}</span>
      </div>
      <div class="field">
        <label for="upload-name">{t('common.name')}</label>
        <input
          id="upload-name"
          value={name}
          required
          pattern="[A-Za-z0-9][A-Za-z0-9._\-]{0,127}"
          onInput={(e) => setName((e.target as HTMLInputElement).value)}
        />
      </div>
      <div class="field check">
        <input id="upload-mask" type="checkbox" checked={maskPii} onChange={(e) => setMaskPii((e.target as HTMLInputElement).checked)} />
        <label for="upload-mask">{t('datasets.maskPii')}</label>
      </div>
      {progress !== null && (
        <div class="field">
          <label for="upload-progress">{progress < 1 ? t('datasets.uploading') : t('datasets.processing')}</label>
          <progress id="upload-progress" max={1} value={progress} data-testid="upload-progress" />
          <span class="small">{Math.round(progress * 100)}%</span>
        </div>
      )}
      <ErrorNote error={error} />
      <button type="submit" disabled={!file || (progress !== null && !error)}>
        {t('datasets.uploadButton')}
      </button>
    </form>
  );
}

export function Datasets({ role }: { role: Role }) {
  const { t, date } = useI18n();
  const list = useApi<Page<Dataset>>('/api/v1/datasets?limit=500');
  return (
    <section>
      <PageTitle>{t('datasets.title')}</PageTitle>
      <div class="grid two">
        <article class="card">
          <h2>{t('datasets.list')}</h2>
          <ErrorNote error={list.error} />
          <Loading when={list.loading && !list.data} />
          {list.data &&
            (list.data.items.length === 0 ? (
              <Empty text={t('datasets.none')} />
            ) : (
              <div class="table-wrap">
                <table data-testid="datasets-table">
                  <thead>
                    <tr>
                      <th scope="col">{t('common.name')}</th>
                      <th scope="col">{t('common.updated')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.data.items.map((d) => (
                      <tr key={d.id}>
                        <td>
                          <Link href={`/datasets/${seg(d.name)}`}>{d.name}</Link>
                        </td>
                        <td>{date(d.updatedAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ))}
        </article>
        {roleCan(role, 'datasets:write') && <UploadForm onDone={(n) => navigate(`/datasets/${seg(n)}`)} />}
      </div>
    </section>
  );
}
