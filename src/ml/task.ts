// Works out what to train from the table and the user's words: the task, feature columns, labels and target values.
import { AndonError } from '../errors.js';
import type { Table } from '../data/table.js';
import { cellOf } from '../data/table.js';
import { inferSchema, inferTask, type Schema, type SemanticType } from '../data/schema.js';
import { rulTargets } from '../data/windows.js';
import type { TaskName } from './templates.js';

export interface TaskRequest {
  target: string;
  task?: 'auto' | 'classification' | TaskName;
  groupColumn?: string;
  timeColumn?: string;
  /** Columns to leave out of the features (leaky or irrelevant). */
  exclude?: string[];
  /** Semantic type overrides by column name. */
  types?: Record<string, SemanticType>;
  rulCap?: number;
}

export interface ResolvedTask {
  name: TaskName;
  kind: 'classification' | 'regression';
  target: string;
  labels: string[];
  /** Raw columns the model reads, with their semantic types (the bundle's input schema). */
  inputs: { name: string; type: SemanticType }[];
  numeric: string[];
  categorical: string[];
  datetime: string[];
  text: string[];
  groupColumn?: string;
  timeColumn?: string;
  schema: Schema;
}

/** The target per row: a class id (−1 when missing) or a value (NaN when missing). */
export function targetValues(
  table: Table,
  task: Pick<ResolvedTask, 'kind' | 'target' | 'labels' | 'name' | 'groupColumn' | 'timeColumn'>,
  rulCap?: number,
): Int32Array | Float64Array {
  if (task.name === 'rul' && !table.has(task.target)) {
    return rulTargets(table, { groupColumn: task.groupColumn!, timeColumn: task.timeColumn!, cap: rulCap });
  }
  const col = table.column(task.target);
  if (task.kind === 'regression') {
    if (col.type !== 'number') throw new AndonError('invalid_input', `target "${task.target}" must be numeric for ${task.name}`, { column: task.target });
    const out = Float64Array.from(col.values);
    if (rulCap !== undefined) for (let i = 0; i < out.length; i++) if (out[i] > rulCap) out[i] = rulCap;
    return out;
  }
  const index = new Map(task.labels.map((l, i) => [l, i]));
  const out = new Int32Array(table.rowCount);
  for (let r = 0; r < table.rowCount; r++) {
    const v = cellOf(col, r);
    out[r] = v === null ? -1 : (index.get(String(v)) ?? -1);
  }
  return out;
}

export function resolveTask(table: Table, req: TaskRequest): ResolvedTask {
  const wanted = req.task ?? 'auto';
  const isRul = wanted === 'rul';
  if (isRul && (!req.groupColumn || !req.timeColumn)) {
    throw new AndonError('invalid_input', 'the rul task needs --group-column and --time-column', { task: 'rul' });
  }
  for (const c of [req.groupColumn, req.timeColumn, ...(req.exclude ?? [])]) if (c !== undefined) table.column(c);
  const targetPresent = table.has(req.target);
  if (!targetPresent && !isRul) table.column(req.target); // throws unknown_column naming the target
  const schema = inferSchema(table, { types: req.types, ...(targetPresent ? { target: req.target } : {}) });

  const skip = new Set([req.target, req.groupColumn, req.timeColumn, ...(req.exclude ?? [])].filter((c): c is string => !!c));
  const features = schema.columns.filter((c) => !skip.has(c.name) && c.role === 'feature');
  const byType = (...types: SemanticType[]) => features.filter((c) => types.includes(c.type)).map((c) => c.name);
  const numeric = byType('number', 'integer');
  const categorical = byType('category', 'boolean');
  const datetime = byType('datetime');
  const text = byType('text');

  let name: TaskName,
    labels: string[] = [];
  if (isRul) name = 'rul';
  else if (wanted === 'regression') name = 'regression';
  else {
    const info = inferTask(table, req.target);
    labels = info.labels ?? [];
    const classification = info.task !== 'regression' || wanted === 'classification' || wanted === 'binary' || wanted === 'multiclass' || wanted === 'text';
    if (!classification) name = 'regression';
    else {
      if (!info.labels) throw new AndonError('invalid_input', `target "${req.target}" is not categorical: ${info.reason}`, { column: req.target });
      if (wanted === 'text' || (wanted === 'auto' && text.length > 0)) name = 'text';
      else name = info.task === 'binary' ? 'binary' : 'multiclass';
    }
  }
  if (name === 'text' && text.length === 0) {
    throw new AndonError('invalid_input', 'the text task needs a free-text column, and none was found (use --type COLUMN=text)');
  }
  const used = name === 'text' ? [...text.slice(0, 1), ...numeric, ...categorical, ...datetime] : [...numeric, ...categorical, ...datetime];
  if (used.length === 0) throw new AndonError('invalid_input', 'no feature columns are left to learn from', { excluded: [...skip] });
  const typeOf = new Map(schema.columns.map((c) => [c.name, c.type]));
  return {
    name,
    kind: name === 'regression' || name === 'rul' ? 'regression' : 'classification',
    target: req.target,
    labels,
    inputs: used.map((n) => ({ name: n, type: typeOf.get(n)! })),
    numeric,
    categorical,
    datetime,
    text: name === 'text' ? text.slice(0, 1) : [],
    groupColumn: req.groupColumn,
    timeColumn: req.timeColumn,
    schema,
  };
}
