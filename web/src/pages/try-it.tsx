// The try-it form: one field per input column of the served version, the prediction and its class probabilities.
import { useState } from 'preact/hooks';
import { api, seg } from '../api/client';
import { Bars } from '../charts/bars';
import { useI18n } from '../i18n';
import { ErrorNote } from '../components/common';
import type { Manifest, PredictResult } from '../types';

const NUMERIC = new Set(['number', 'integer', 'boolean', 'time']);

export function TryIt({ deployment, manifest, onPredicted }: { deployment: string; manifest: Manifest; onPredicted: () => void }) {
  const { t, num, maybe } = useI18n();
  const [values, setValues] = useState<Record<string, string>>({});
  const [result, setResult] = useState<PredictResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const row: Record<string, unknown> = {};
    for (const c of manifest.input_schema) {
      const raw = (values[c.name] ?? '').trim();
      // An empty field is a missing value: the fitted pipeline imputes it as in training.
      row[c.name] = raw === '' ? null : NUMERIC.has(c.type) && Number.isFinite(Number(raw)) ? Number(raw) : raw;
    }
    try {
      setResult(await api<PredictResult>(`/api/v1/deployments/${seg(deployment)}/predict`, { method: 'POST', body: { rows: [row] } }));
      onPredicted();
    } catch (err) {
      setError(err);
      setResult(null);
    } finally {
      setBusy(false);
    }
  };
  const p = result?.predictions[0];
  return (
    <div>
      <form onSubmit={submit} class="form-grid cols" data-testid="try-it-form">
        {manifest.input_schema.map((c, i) => (
          <div class="field" key={c.name}>
            <label for={`input-${i}`}>
              {c.name} <span class="muted small">({maybe(`type.${c.type}`, c.type)})</span>
            </label>
            {c.type === 'text' ? (
              <textarea
                id={`input-${i}`}
                data-column={c.name}
                rows={3}
                value={values[c.name] ?? ''}
                onInput={(e) => setValues({ ...values, [c.name]: (e.target as HTMLTextAreaElement).value })}
              />
            ) : (
              <input
                id={`input-${i}`}
                data-column={c.name}
                inputMode={NUMERIC.has(c.type) ? 'decimal' : 'text'}
                value={values[c.name] ?? ''}
                list={c.categories?.length ? `values-${i}` : undefined}
                onInput={(e) => setValues({ ...values, [c.name]: (e.target as HTMLInputElement).value })}
              />
            )}
            {/* The values training saw, offered as suggestions: another value is still allowed (the model maps it to "other"). */}
            {c.type !== 'text' && c.categories?.length ? (
              <datalist id={`values-${i}`}>
                {c.categories.map((v) => (
                  <option key={v} value={v} />
                ))}
              </datalist>
            ) : null}
          </div>
        ))}
        <div>
          <button type="submit" disabled={busy}>
            {busy ? t('common.working') : t('tryIt.predict')}
          </button>
        </div>
      </form>
      <ErrorNote error={error} />
      {p && result && (
        <div class="result" data-testid="prediction" aria-live="polite">
          <p class="muted small">{t('tryIt.answeredBy', { model: result.model, n: result.version })}</p>
          {p.label !== undefined && (
            <p class="big">
              {t('tryIt.label')}: <strong data-testid="predicted-label">{p.label}</strong>
            </p>
          )}
          {p.value !== undefined && (
            <p class="big">
              {t('tryIt.value')}: <strong data-testid="predicted-value">{num(p.value, 4)}</strong>
              {p.group ? ` (${p.group})` : ''}
            </p>
          )}
          {p.probabilities && (
            <Bars
              title={t('tryIt.probabilities')}
              horizontal
              max={1}
              testId="probabilities"
              bars={Object.entries(p.probabilities).map(([label, v]) => ({ label, value: v }))}
              format={(v) => `${num(v * 100, 1)}%`}
            />
          )}
        </div>
      )}
    </div>
  );
}
