// `andon eval` and `andon predict`: score a labelled file with a model bundle, or write its predictions.
import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { readBundle, type LoadedBundle } from '../ml/bundle.js';
import { evaluateBundle } from '../ml/evaluate-bundle.js';
import type { Prediction } from '../ml/predictor.js';
import { inputColumns, readyModel } from '../runtime/index.js';
import { MAX_PREDICT_ROWS, predictTableRows } from '../service/index.js';
import { readDataFile } from './files.js';

/** Where the bundle comes from: a bundle directory by default, or the registry (see registry-model.ts). */
export type BundleLoader = (model: string) => Promise<LoadedBundle>;

export async function evalCommand(model: string, o: { data: string; positiveLabel?: string }, load: BundleLoader = readBundle) {
  const bundle = await load(model);
  const { table } = await readDataFile(o.data);
  const { metrics, rows } = evaluateBundle(bundle, table, { positiveLabel: o.positiveLabel });
  return { model, task: bundle.manifest.task, rows, metrics };
}

export function formatEval(r: Awaited<ReturnType<typeof evalCommand>>): string {
  const lines = [`${r.task} model ${r.model} on ${r.rows} ${r.task === 'rul' ? 'units' : 'rows'}:`];
  for (const [k, v] of Object.entries(r.metrics)) if (typeof v === 'number') lines.push(`  ${k.padEnd(12)} ${Number(v.toPrecision(5))}`);
  return lines.join('\n');
}

export async function predictCommand(model: string, o: { input: string; output?: string }, load: BundleLoader = readBundle): Promise<string | null> {
  const bundle = await load(model);
  const { table } = await readDataFile(o.input);
  // The rows go through the runtime's request checks, as a batch job's do: a file is predicted as requests of
  // up to 10,000 rows (whole units for remaining useful life), and a refused row is named by its row in the file.
  const served = await readyModel(bundle, { maxRows: MAX_PREDICT_ROWS });
  let rows: (Prediction | null)[];
  try {
    rows = await predictTableRows(table, inputColumns(bundle.manifest), (chunk) => served.predict(chunk), { chunkRows: MAX_PREDICT_ROWS });
  } finally {
    await served.close();
  }
  // Remaining useful life answers once per unit (on its latest reading).
  const predictions = rows.filter((p): p is Prediction => p !== null);
  if (!o.output) return predictions.map((p) => JSON.stringify(p)).join('\n');
  const text =
    extname(o.output).toLowerCase() === '.json'
      ? JSON.stringify(predictions)
      : extname(o.output).toLowerCase() === '.jsonl'
        ? predictions.map((p) => JSON.stringify(p)).join('\n') + '\n'
        : toCsv(predictions, bundle.manifest.labels);
  await writeFile(o.output, text);
  return null;
}

/** One row per prediction: label and a probability column per class, or the value (and unit, for RUL). */
function toCsv(predictions: Prediction[], labels: string[]): string {
  const header = labels.length ? ['label', ...labels.map((l) => `p_${l}`)] : 'group' in (predictions[0] ?? {}) ? ['group', 'value'] : ['value'];
  const rows = predictions.map((p) =>
    'label' in p
      ? [p.label, ...labels.map((l) => String(p.probabilities[l]))]
      : p.group !== undefined
        ? [String(p.group ?? ''), String(p.value)]
        : [String(p.value)],
  );
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
