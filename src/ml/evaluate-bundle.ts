// Scores a loaded model bundle on a labelled table: the metrics `andon eval` prints.
import { AndonError } from '../errors.js';
import type { Table } from '../data/table.js';
import { cellOf } from '../data/table.js';
import { categorize, timeKeys } from '../data/split.js';
import type { LoadedBundle } from './bundle.js';
import { rawOutputs } from './predictor.js';
import { scoreOutputs, type Metrics } from './evaluate.js';

export interface EvalOptions {
  positiveLabel?: string;
}

export function evaluateBundle(b: LoadedBundle, table: Table, o: EvalOptions = {}): { metrics: Metrics; rows: number } {
  const m = b.manifest;
  const target = table.column(m.target);
  const { outputs, groups } = rawOutputs(b, table);
  if (m.rul) {
    // One prediction per unit (its last window) against the true RUL at the unit's last observation.
    const { ids, values } = categorize(table.column(m.rul.group_column), 'error');
    const time = timeKeys(table, m.rul.time_column);
    const lastRow = new Int32Array(values.length).fill(-1);
    for (let r = 0; r < ids.length; r++) if (lastRow[ids[r]] < 0 || time[r] >= time[lastRow[ids[r]]]) lastRow[ids[r]] = r;
    const byGroup = new Map(values.map((v, g) => [v, lastRow[g]]));
    const truth = Float64Array.from(groups!, (g) => {
      const v = cellOf(target, byGroup.get(g)!);
      if (typeof v !== 'number') throw new AndonError('invalid_input', `target "${m.target}" must hold the true remaining life of each unit's last row`);
      return v;
    });
    const scored = scoreOutputs({ kind: 'regression', name: 'rul' }, outputs, truth, {
      labels: [],
      scaling: m.target_scaling,
      units: groups!.map(String),
      cap: m.rul.cap,
    });
    return { metrics: scored.metrics, rows: truth.length };
  }
  if (m.labels.length) {
    const index = new Map(m.labels.map((l, i) => [l, i]));
    const keep: number[] = [],
      y: number[] = [];
    const unknown = new Set<string>();
    for (let r = 0; r < table.rowCount; r++) {
      const v = cellOf(target, r);
      if (v === null) continue;
      const c = index.get(String(v));
      if (c === undefined) {
        unknown.add(String(v));
        continue;
      }
      keep.push(r);
      y.push(c);
    }
    if (unknown.size)
      throw new AndonError('invalid_input', `target "${m.target}" has labels the model does not know: ${[...unknown].slice(0, 5).join(', ')}`, {
        unknown: [...unknown].slice(0, 20),
        known: m.labels,
      });
    if (!keep.length) throw new AndonError('empty_input', `no rows have a value in target "${m.target}"`);
    const k = m.labels.length;
    const sub = Float32Array.from({ length: keep.length * k }, (_, i) => outputs[keep[Math.floor(i / k)] * k + (i % k)]);
    const scored = scoreOutputs({ kind: 'classification', name: m.task }, sub, Int32Array.from(y), {
      labels: m.labels,
      positiveLabel: o.positiveLabel ?? m.positive_label,
      threshold: o.positiveLabel ? undefined : m.threshold,
    });
    return { metrics: scored.metrics, rows: keep.length };
  }
  const keep: number[] = [];
  for (let r = 0; r < table.rowCount; r++) if (typeof cellOf(target, r) === 'number') keep.push(r);
  if (!keep.length) throw new AndonError('empty_input', `no rows have a number in target "${m.target}"`);
  const scored = scoreOutputs(
    { kind: 'regression', name: 'regression' },
    Float32Array.from(keep, (r) => outputs[r]),
    Float64Array.from(keep, (r) => cellOf(target, r) as number),
    { labels: [], scaling: m.target_scaling },
  );
  return { metrics: scored.metrics, rows: keep.length };
}
