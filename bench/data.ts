// The data benchmark: Andon's CSV reader against csv-parse and papaparse on a 1M-row sensor CSV, in the same run.
//
//   npm run bench:data                    a table on stdout
//   npm run -s bench:data -- --json       one JSON object on stdout (the table and progress go to stderr)
//
// The file (20 columns: a timestamp, a machine id, a status, 17 sensor readings) is generated once into the
// system's temp folder and reused. Every parser reads it from a file stream and must end with typed columns:
// numbers as JavaScript numbers and text as strings, in one array per column (Andon builds its Table; the
// peers' rows are pushed into column arrays, which is the least a columnar consumer does). csv-parse runs with
// `cast: true`, papaparse with `dynamicTyping: true`. The timestamp is written "YYYY-MM-DD HH:MM:SS", the usual
// historian export, which none of the three turns into a Date, so all keep it as text.
// Each measurement is a fresh child process (for a clean peak RSS); runs alternate between parsers and the best
// throughput of --runs (default 3) counts. Options: --rows N, --runs N, --only andon,csv_parse,papaparse.
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, renameSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MARK = 'BENCH_RESULT ';
const PARSERS = ['andon', 'csv_parse', 'papaparse'] as const;
type ParserId = (typeof PARSERS)[number];
const LABEL: Record<ParserId, string> = { andon: 'Andon readCsv', csv_parse: 'csv-parse (cast)', papaparse: 'papaparse (dynamicTyping)' };
const NUMERIC = [
  'temperature_c',
  'pressure_bar',
  'vibration_x',
  'vibration_y',
  'vibration_z',
  'spindle_rpm',
  'torque_nm',
  'power_kw',
  'current_a',
  'voltage_v',
  'humidity_pct',
  'coolant_temp_c',
  'flow_lpm',
  'tool_wear_min',
  'cycle_count',
  'spindle_load_pct',
  'quality_score',
];
const COLUMNS = ['timestamp', 'machine_id', 'status', ...NUMERIC];

interface Result {
  parser: ParserId;
  seconds: number;
  rows: number;
  columns: number;
  bytes: number;
  mb_per_s: number;
  rows_per_s: number;
  peak_rss_delta_mb: number;
  retained_mb: number;
  /** Sum of the temperature column: the same for every parser when each read the numbers right. */
  checksum: number;
}

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const log = (msg: string) => process.stderr.write(`${msg}\n`);

if (args[0] === '--child') await child(args[1] as ParserId, args[2]);
else await main();

// ---------- the parent ----------

async function main(): Promise<void> {
  const asJson = args.includes('--json');
  const rows = Number(flag('rows') ?? 1_000_000);
  const runs = Number(flag('runs') ?? 3);
  const only = (flag('only')?.split(',') ?? [...PARSERS]) as ParserId[];
  const file = join(tmpdir(), `andon-bench-sensors-${rows}.csv`);
  if (!existsSync(file)) await generate(file, rows);
  else log(`reusing ${file}`);
  const bytes = statSync(file).size;
  const loadStart = loadavg()[0];
  const best: Partial<Record<ParserId, Result>> = {};
  const all: Record<string, Result[]> = {};
  const errors: Record<string, string> = {};
  for (let run = 1; run <= runs; run++) {
    for (const id of only) {
      log(`▶ run ${run}/${runs}: ${LABEL[id]}`);
      try {
        const r = await runChild(id, file);
        (all[id] ??= []).push(r);
        log(`  ${r.mb_per_s.toFixed(1)} MB/s, ${Math.round(r.rows_per_s).toLocaleString('en-US')} rows/s, peak RSS +${r.peak_rss_delta_mb.toFixed(0)} MB`);
        const b = best[id];
        // Best throughput; the smallest peak RSS seen, since other processes only ever add to it.
        if (!b || r.mb_per_s > b.mb_per_s) best[id] = { ...r, peak_rss_delta_mb: Math.min(r.peak_rss_delta_mb, b?.peak_rss_delta_mb ?? Infinity) };
        else b.peak_rss_delta_mb = Math.min(b.peak_rss_delta_mb, r.peak_rss_delta_mb);
      } catch (e) {
        errors[id] = (e as Error).message;
        log(`  ✗ ${(e as Error).message}`);
      }
    }
  }
  const notes: string[] = [];
  const sums = Object.values(best).map((r) => r.checksum);
  if (sums.some((s) => Math.abs(s - sums[0]) > 1e-6 * Math.abs(sums[0]))) notes.push(`parsers disagree on the temperature sum: ${sums.join(', ')}`);
  const ratio = (peer: ParserId) => (best.andon && best[peer] ? round(best.andon.mb_per_s / best[peer]!.mb_per_s, 3) : null);
  const report = {
    bench: 'data',
    date: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      node: process.version,
      load_average_1m: { start: round(loadStart, 2), end: round(loadavg()[0], 2) },
    },
    workload: { file, rows, columns: COLUMNS.length, bytes, numeric_columns: NUMERIC.length, runs },
    results: best,
    runs: all,
    ratios: { andon_vs_csv_parse: ratio('csv_parse'), andon_vs_papaparse: ratio('papaparse') },
    errors,
    notes,
  };
  const table = renderTable(report.results, report.ratios, rows, bytes, notes);
  if (asJson) {
    process.stderr.write(table);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else process.stdout.write(table);
}

function runChild(id: ParserId, file: string): Promise<Result> {
  const self = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', self, '--child', id, file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const timer = setTimeout(() => proc.kill('SIGKILL'), 600_000);
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    proc.on('error', reject);
    proc.on('close', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith(MARK));
      if (code === 0 && line) resolve(JSON.parse(line.slice(MARK.length)) as Result);
      else reject(new Error(`${id} exited with ${code}`));
    });
  });
}

/** A seeded, plausible machine log: slowly drifting readings with noise, a few machines and states. */
async function generate(file: string, rows: number): Promise<void> {
  log(`generating ${rows.toLocaleString('en-US')} rows into ${file} …`);
  let seed = 20240601;
  const rand = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const tmp = `${file}.${process.pid}.tmp`;
  const out = createWriteStream(tmp);
  const states = ['RUNNING', 'RUNNING', 'RUNNING', 'IDLE', 'SETUP', 'FAULT'];
  const start = Date.UTC(2024, 0, 1);
  const pad = (n: number) => String(n).padStart(2, '0');
  let block = `${COLUMNS.join(',')}\n`;
  for (let i = 0; i < rows; i++) {
    const d = new Date(start + i * 1000);
    const ts = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
    const m = i % 40;
    const drift = Math.sin(i / 5000 + m);
    const r = rand;
    const cells = [
      ts,
      `M-${String(m + 1).padStart(3, '0')}`,
      states[Math.floor(r() * states.length)],
      (65 + 5 * drift + r()).toFixed(2),
      (6 + r() * 0.5).toFixed(3),
      ((r() - 0.5) * 0.2).toFixed(4),
      ((r() - 0.5) * 0.2).toFixed(4),
      ((r() - 0.5) * 0.3).toFixed(4),
      String(Math.round(1450 + r() * 100)),
      (40 + 10 * r()).toFixed(2),
      (11 + 3 * r()).toFixed(3),
      (18 + r() * 4).toFixed(2),
      (398 + r() * 4).toFixed(1),
      (40 + 15 * r()).toFixed(1),
      (22 + 3 * r()).toFixed(2),
      (12 + r()).toFixed(2),
      String(Math.floor(i / 40) % 240),
      String(Math.floor(i / 40)),
      (50 + 30 * r()).toFixed(1),
      (0.9 + 0.1 * r()).toFixed(5),
    ];
    block += `${cells.join(',')}\n`;
    if (block.length > 1 << 20) {
      if (!out.write(block)) await new Promise<void>((res) => out.once('drain', () => res()));
      block = '';
    }
  }
  await new Promise<void>((res, rej) => out.end(block, () => res()).on('error', rej));
  renameSync(tmp, file);
}

// ---------- the child: one parser, one file, one measurement ----------

async function child(id: ParserId, file: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  const [{ readCsv }, { parse }, Papa] = await Promise.all([
    import('../src/data/readers/csv.js'),
    import('csv-parse'),
    import('papaparse').then((m) => m.default),
  ]);
  gc();
  const before = process.memoryUsage();
  const t0 = performance.now();
  let rows = 0,
    columns = 0,
    checksum = 0;
  let keep: unknown;
  const temperature = COLUMNS.indexOf('temperature_c');
  if (id === 'andon') {
    const { table } = await readCsv(file);
    rows = table.rowCount;
    columns = table.columns.length;
    const t = table.column('temperature_c');
    if (t.type !== 'number') throw new Error('temperature_c is not numeric');
    for (const v of t.values) checksum += v;
    keep = table;
  } else {
    const cols: unknown[][] = COLUMNS.map(() => []);
    const push = (rec: unknown[]) => {
      for (let j = 0; j < cols.length; j++) cols[j].push(rec[j]);
    };
    if (id === 'csv_parse') {
      await new Promise<void>((resolve, reject) => {
        const parser = parse({ cast: true, from_line: 2 });
        parser.on('readable', () => {
          let rec;
          while ((rec = parser.read()) !== null) push(rec as unknown[]);
        });
        parser.on('end', resolve).on('error', reject);
        createReadStream(file, { highWaterMark: 1 << 20 })
          .on('error', reject)
          .pipe(parser);
      });
    } else {
      await new Promise<void>((resolve, reject) => {
        let first = true;
        Papa.parse(createReadStream(file, { highWaterMark: 1 << 20 }), {
          dynamicTyping: true,
          skipEmptyLines: true,
          chunk: (res: { data: unknown[][] }) => {
            for (const rec of res.data) {
              if (first) {
                first = false;
                continue;
              }
              push(rec);
            }
          },
          complete: () => resolve(),
          error: (e: Error) => reject(e),
        });
      });
    }
    rows = cols[0].length;
    columns = cols.length;
    for (const v of cols[temperature]) {
      if (typeof v !== 'number') throw new Error(`${id}: a temperature is ${typeof v}`);
      checksum += v;
    }
    for (const name of NUMERIC) if (typeof cols[COLUMNS.indexOf(name)][0] !== 'number') throw new Error(`${id}: ${name} is not typed`);
    keep = cols;
  }
  const seconds = (performance.now() - t0) / 1000;
  const peak = process.resourceUsage().maxRSS * 1024;
  gc();
  const after = process.memoryUsage();
  const bytes = statSync(file).size;
  const mb = 2 ** 20;
  const result: Result = {
    parser: id,
    seconds: round(seconds, 3),
    rows,
    columns,
    bytes,
    mb_per_s: round(bytes / mb / seconds, 1),
    rows_per_s: Math.round(rows / seconds),
    peak_rss_delta_mb: round((peak - before.rss) / mb, 1),
    retained_mb: round((after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / mb, 1),
    checksum,
  };
  if (keep === undefined) throw new Error('nothing parsed');
  process.stdout.write(`${MARK}${JSON.stringify(result)}\n`);
}

// ---------- output ----------

function renderTable(results: Partial<Record<ParserId, Result>>, ratios: Record<string, number | null>, rows: number, bytes: number, notes: string[]): string {
  const head = ['parser', 'MB/s', 'rows/s', 'seconds', 'peak RSS Δ MB', 'retained MB', 'vs Andon'];
  const body = PARSERS.filter((id) => results[id]).map((id) => {
    const r = results[id]!;
    const vs = id === 'andon' ? '1.00×' : results.andon ? `${(results.andon.mb_per_s / r.mb_per_s).toFixed(2)}× slower` : '—';
    return [
      LABEL[id],
      r.mb_per_s.toFixed(1),
      Math.round(r.rows_per_s).toLocaleString('en-US'),
      r.seconds.toFixed(2),
      r.peak_rss_delta_mb.toFixed(0),
      r.retained_mb.toFixed(0),
      vs,
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [
    `Andon data benchmark — ${rows.toLocaleString('en-US')} rows × ${COLUMNS.length} columns, ${(bytes / 2 ** 20).toFixed(1)} MB CSV, best of the runs`,
    '',
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    '',
    `ratios (throughput, >1 = Andon faster): ${Object.entries(ratios)
      .map(([k, v]) => `${k}=${v ?? 'null'}`)
      .join(', ')}`,
    ...notes.map((n) => `note: ${n}`),
    '',
  ].join('\n');
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
