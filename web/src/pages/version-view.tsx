// One model version as pictures: headline metrics, confusion-matrix heat map, ROC and PR curves, predicted vs actual, downloads.
import { useMemo, useState } from 'preact/hooks';
import { api, seg } from '../api/client';
import { downloadFile } from '../api/download';
import { Heatmap } from '../charts/heatmap';
import { LineChart } from '../charts/line-chart';
import { useI18n } from '../i18n';
import { ErrorNote, Facts } from '../components/common';
import { HEADLINE, scalarMetrics } from '../metric-names';
import type { ModelVersion } from '../types';

/** uPlot draws x in ascending order; curves from the server are, but equal x values are fine. */
function curve(x: number[], y: number[]): (number | null)[][] {
  const idx = x.map((_, i) => i).sort((a, b) => x[a] - x[b]);
  const xs = idx.map((i) => x[i]);
  return [xs, idx.map((i) => y[i]), xs];
}

export function VersionView({ model, version }: { model: string; version: ModelVersion }) {
  const { t, num, maybe } = useI18n();
  const m = version.metrics ?? version.manifest.metrics ?? {};
  const task = version.manifest.task;
  const [card, setCard] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const headline = (HEADLINE[task] ?? []).filter((k) => typeof m[k] === 'number');
  const roc = useMemo(() => (m.roc_curve ? curve(m.roc_curve.fpr, m.roc_curve.tpr) : null), [m]);
  const pr = useMemo(() => (m.pr_curve ? curve(m.pr_curve.recall, m.pr_curve.precision) : null), [m]);
  const pva = useMemo(() => {
    if (!m.predicted_vs_actual) return null;
    const { actual, predicted } = m.predicted_vs_actual;
    const d = curve(actual, predicted);
    return [d[0], d[1], d[0]];
  }, [m]);
  const base = `/api/v1/models/${seg(model)}/versions/${version.number}`;
  const download = (file: string, name: string) => downloadFile(`${base}/${file}`, name).catch(setError);
  const showCard = async () => {
    try {
      setCard(card === null ? await api<string>(`${base}/card`) : null);
    } catch (e) {
      setError(e);
    }
  };

  return (
    <div data-testid="version-view">
      <div class="tiles">
        {headline.map((k) => (
          <div class="tile" key={k}>
            <div class="tile-value">{num(m[k] as number)}</div>
            <div class="tile-label">{maybe(`metric.${k}`, k)}</div>
          </div>
        ))}
      </div>
      <Facts
        items={[
          [t('model.task'), maybe(`task.${task}`, task)],
          [t('train.target'), version.manifest.target],
          [t('train.template'), version.manifest.template ?? '—'],
          ...(version.manifest.threshold !== undefined ? [[t('model.threshold'), num(version.manifest.threshold)] as [string, string]] : []),
          [t('model.inputs'), version.manifest.input_schema.map((c) => c.name).join(', ')],
          [t('model.trainingRows'), `${num(version.manifest.training?.rows_train ?? null, 0)} / ${num(version.manifest.training?.rows_validation ?? null, 0)}`],
        ]}
      />
      <div class="grid two">
        {m.confusion_matrix && (
          <div class="card inner">
            <Heatmap
              title={t('model.confusion')}
              rowTitle={t('model.actual')}
              colTitle={t('model.predicted')}
              labels={m.confusion_matrix.labels}
              matrix={m.confusion_matrix.matrix}
              format={(v) => num(v, 0)}
            />
          </div>
        )}
        {roc && (
          <div class="card inner">
            <LineChart
              title={t('model.roc', { auc: num(m.roc_auc as number) })}
              xLabel={t('model.fpr')}
              yLabel={t('model.tpr')}
              data={roc}
              xRange={[0, 1]}
              yRange={[0, 1]}
              testId="roc-chart"
              series={[
                { label: t('model.rocCurve'), color: '#1f5fa8' },
                { label: t('model.chance'), color: '#999', dash: [4, 4] },
              ]}
            />
          </div>
        )}
        {pr && (
          <div class="card inner">
            <LineChart
              title={t('model.pr', { auc: num(m.pr_auc as number) })}
              xLabel={t('model.recall')}
              yLabel={t('model.precision')}
              data={[pr[0], pr[1]]}
              xRange={[0, 1]}
              yRange={[0, 1]}
              series={[{ label: t('model.prCurve'), color: '#d95f02' }]}
            />
          </div>
        )}
        {pva && (
          <div class="card inner">
            <LineChart
              title={t('model.predictedVsActual')}
              xLabel={t('model.actual')}
              yLabel={t('model.predicted')}
              data={pva}
              testId="pva-chart"
              series={[
                { label: t('model.predicted'), color: '#1f5fa8', points: true },
                { label: t('model.ideal'), color: '#999', dash: [4, 4] },
              ]}
            />
          </div>
        )}
        {(task === 'regression' || task === 'rul') && !pva && <p class="muted">{t('model.noPva')}</p>}
      </div>
      {m.per_class && (
        <div class="table-wrap">
          <table class="dense">
            <caption>{t('model.perClass')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('model.class')}</th>
                <th scope="col">{t('metric.precision')}</th>
                <th scope="col">{t('metric.recall')}</th>
                <th scope="col">{t('metric.f1')}</th>
                <th scope="col">{t('model.support')}</th>
              </tr>
            </thead>
            <tbody>
              {m.per_class.map((c) => (
                <tr key={c.label}>
                  <th scope="row">{c.label}</th>
                  <td>{num(c.precision)}</td>
                  <td>{num(c.recall)}</td>
                  <td>{num(c.f1)}</td>
                  <td>{num(c.support, 0)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <details>
        <summary>{t('model.allMetrics')}</summary>
        <table class="dense">
          <tbody>
            {scalarMetrics(m).map(([k, v]) => (
              <tr key={k}>
                <th scope="row">{maybe(`metric.${k}`, k)}</th>
                <td>{num(v, 4)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
      <div class="row">
        {version.bundle['model.onnx'] && (
          <button class="secondary" onClick={() => download('files/model.onnx', `${model}-v${version.number}.onnx`)} data-testid="download-onnx">
            {t('model.downloadOnnx')}
          </button>
        )}
        <button class="secondary" onClick={() => download('card', `${model}-v${version.number}-card.md`)}>
          {t('model.downloadCard')}
        </button>
        <button class="secondary" onClick={showCard} aria-expanded={card !== null}>
          {card === null ? t('model.showCard') : t('model.hideCard')}
        </button>
      </div>
      <ErrorNote error={error} />
      {card !== null && (
        <pre class="card-text" tabIndex={0}>
          {card}
        </pre>
      )}
    </div>
  );
}
