// `andon profile`: reads a data file and reports each column's inferred type, statistics and warnings, for people or as JSON.
import { InvalidArgumentError } from 'commander';
import { basename } from 'node:path';
import { type FileFormat, type ReadReport } from '../data/readers/index.js';
import { readDataFile } from './files.js';
import { profileTable, type ColumnProfile, type Profile } from '../data/profile.js';
import { SEMANTIC_TYPES, type SemanticType } from '../data/schema.js';

export interface ProfileCommandOptions {
  target?: string;
  types?: Record<string, SemanticType>;
  format?: FileFormat;
}
/** The profile plus where it came from and how the file was read (delimiter, header, skipped lines). */
export interface ProfileResult extends Profile {
  file: string;
  read: ReadReport;
}

export async function profileFile(path: string, opts: ProfileCommandOptions = {}): Promise<ProfileResult> {
  const { table, report } = await readDataFile(path, opts.format);
  return { file: path, ...profileTable(table, { target: opts.target, types: opts.types }), read: report };
}

/** Commander collector for repeated `--type column=type`; the last `=` splits, so column names may contain one. */
export function collectType(value: string, previous: Record<string, SemanticType> = {}): Record<string, SemanticType> {
  const at = value.lastIndexOf('=');
  const name = value.slice(0, at),
    type = value.slice(at + 1) as SemanticType;
  if (at <= 0 || !SEMANTIC_TYPES.includes(type)) {
    throw new InvalidArgumentError(`expected COLUMN=TYPE with TYPE one of ${SEMANTIC_TYPES.join(', ')}`);
  }
  return { ...previous, [name]: type };
}

const num = (x: number) => (Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(5))));
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
/** One terminal line per column whatever the data holds: newlines and tabs in values become spaces. */
const oneLine = (s: string) => s.replace(/\s+/g, ' ');
const clip = (s: string, width: number) => (s.length > width ? `${s.slice(0, width - 1)}…` : s);
const fit = (s: string, width: number) => clip(oneLine(s), width).padEnd(width);

function summary(c: ColumnProfile): string {
  if (c.count === 0) return 'no values';
  if (c.type === 'text' && c.text) {
    const t = c.text;
    return `${Math.round(t.chars.mean)} chars, ${t.tokens.mean.toFixed(1)} tokens on average; top: ${t.topTokens
      .slice(0, 6)
      .map((x) => x.token)
      .join(', ')}`;
  }
  if (c.datetime) return `${c.datetime.min} … ${c.datetime.max}${c.datetime.unparsed ? ` (${c.datetime.unparsed} unparsed)` : ''}`;
  if (c.type === 'constant') return `always ${clip(oneLine(c.top?.[0]?.value ?? ''), 30)}`;
  if (c.top) {
    const shown = c.top
      .slice(0, 5)
      .map((v) => `${clip(oneLine(v.value), 20)} ${v.count}`)
      .join(' · ');
    return c.distinct > 5 ? `${shown} · …` : shown;
  }
  if (c.numeric) {
    const n = c.numeric;
    return `mean ${num(n.mean)} ± ${num(n.std)}, ${num(n.min)} … ${num(n.max)} (median ${num(n.quantiles.p50)})`;
  }
  return c.reason;
}

/** A table of columns, the target's label distribution and the warnings, for a terminal. */
export function formatProfile(r: ProfileResult): string {
  const nameWidth = Math.min(28, Math.max(6, ...r.columns.map((c) => c.name.length)));
  const lines = [`${basename(r.file)}: ${r.rows} rows, ${r.columns.length} columns`, ''];
  lines.push(`${fit('column', nameWidth)}  ${fit('type', 10)}  ${fit('role', 10)}  ${'missing'.padStart(8)}  ${'distinct'.padStart(8)}  summary`);
  for (const c of r.columns) {
    lines.push(
      `${fit(c.name, nameWidth)}  ${fit(c.type, 10)}  ${fit(c.role, 10)}  ${String(c.missing).padStart(8)}  ${String(c.distinct).padStart(8)}  ${summary(c)}`,
    );
  }
  if (r.target) {
    const t = r.target;
    const task = t.task === 'regression' ? 'regression' : `${t.task} classification`;
    const dist = t.distribution
      ? `: ${t.distribution
          .slice(0, 10)
          .map((d) => `${clip(oneLine(d.label), 20)} ${d.count} (${pct(d.fraction)})`)
          .join(', ')}${t.distribution.length > 10 ? ', …' : ''}`
      : '';
    lines.push('', `target "${oneLine(t.name)}": ${task} (${t.reason})${dist}`);
  }
  lines.push('', r.warnings.length ? `warnings (${r.warnings.length}):` : 'no warnings');
  for (const w of r.warnings) lines.push(`  ${w.code.padEnd(16)}  ${oneLine(w.message)}`);
  if (r.read.skipped.length) lines.push('', `${r.read.skipped.length} malformed lines were skipped while reading`);
  for (const c of r.read.renamedColumns)
    lines.push(`column ${c.index + 1} ${c.from ? `"${oneLine(c.from)}" (a repeated name)` : '(no name)'} was named "${c.to}"`);
  return lines.join('\n');
}
