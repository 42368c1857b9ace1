// Predictions from a loaded bundle on raw rows: the fitted pipeline, the network, then labels or values.
import { probabilities } from './probabilities.js';
import { AndonError } from '../errors.js';
import { Table } from '../data/table.js';
import type { LoadedBundle } from './bundle.js';
import { featureSet, predictAll, windowSet } from './dataset.js';
import { windowsOf } from './fit.js';
import { rulValue } from './evaluate.js';

export type Prediction = { label: string; probabilities: Record<string, number> } | { value: number; group?: string | number | null };

/** The columns a request must carry: the model's inputs, plus unit and time for RUL. */
export function requiredColumns(m: LoadedBundle['manifest']): string[] {
  const cols = m.input_schema.map((c) => c.name);
  if (m.rul) cols.push(m.rul.group_column, m.rul.time_column);
  return cols;
}

/** Raw network outputs for the rows of a table (or, for RUL, for each unit's last window). */
export function rawOutputs(b: LoadedBundle, table: Table): { outputs: Float32Array; groups?: (string | number | null)[] } {
  const missing = requiredColumns(b.manifest).filter((c) => !table.has(c));
  if (missing.length)
    throw new AndonError('unknown_column', `missing column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `"${c}"`).join(', ')}`, { missing });
  const outputs = b.manifest.spec.outputs;
  if (b.manifest.rul) {
    const r = b.manifest.rul;
    const w = windowsOf(table, b.pipeline, { groupColumn: r.group_column, timeColumn: r.time_column }, r.window, true);
    return { outputs: predictAll(b.model, windowSet(w.data, w.count, w.window, w.features, new Float32Array(w.count)), outputs), groups: w.group };
  }
  const f = b.pipeline.transform(table);
  return { outputs: predictAll(b.model, featureSet(f, new Int32Array(f.rows)), outputs) };
}

export function predictTable(b: LoadedBundle, table: Table): Prediction[] {
  const { outputs, groups } = rawOutputs(b, table);
  return toPredictions(b.manifest, outputs, groups);
}

/**
 * A prediction never carries NaN or Infinity (JSON would show them as null, a silent "no answer"): inputs inside
 * float32's range can still overflow inside the network when they lie far outside what training saw, and then the
 * row is refused, named by its position (or its unit, for remaining useful life).
 */
function checkFinite(outputs: Float32Array, width: number, groups?: (string | number | null)[]): void {
  for (let i = 0; i < outputs.length; i++) {
    if (Number.isFinite(outputs[i])) continue;
    const r = Math.floor(i / width);
    const where = groups ? `unit ${JSON.stringify(groups[r])}` : `row ${r}`;
    throw new AndonError(
      'invalid_input',
      `${where}: the model's output overflowed (the inputs lie far outside the range it was trained on)`,
      groups ? { unit: groups[r] ?? null } : { row: r },
    );
  }
}

/** Labels and probabilities, or values in the target's units, from the network's raw outputs. */
export function toPredictions(m: LoadedBundle['manifest'], outputs: Float32Array, groups?: (string | number | null)[]): Prediction[] {
  checkFinite(outputs, m.labels.length || 1, groups);
  if (m.labels.length) {
    const k = m.labels.length;
    const probs = probabilities(outputs, k);
    const positive = m.positive_label !== undefined ? m.labels.indexOf(m.positive_label) : -1;
    return Array.from({ length: probs.length / k }, (_, r) => {
      const row = probs.subarray(r * k, (r + 1) * k);
      let best = 0;
      for (let c = 1; c < k; c++) if (row[c] > row[best]) best = c;
      // A tuned threshold on the positive class overrides the arg-max for binary models.
      if (k === 2 && positive >= 0 && m.threshold !== undefined) best = row[positive] >= m.threshold ? positive : 1 - positive;
      return { label: m.labels[best], probabilities: Object.fromEntries(m.labels.map((l, c) => [l, row[c]])) };
    });
  }
  const s = m.target_scaling ?? { mean: 0, std: 1 };
  // Remaining life lies in [0, cap]; other values are returned as the model says.
  const value = (v: number) => (m.rul ? rulValue(v * s.std + s.mean, m.rul.cap) : v * s.std + s.mean);
  return Array.from(outputs, (v, i) => ({ value: value(v), ...(groups ? { group: groups[i] } : {}) }));
}
