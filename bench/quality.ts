// The quality benchmark: Andon's default templates on three real factory-style datasets beside fastText, scikit-learn and PyTorch.
//
//   npm run bench:quality                    a table on stdout (progress on stderr)
//   npm run -s bench:quality -- --json       one JSON object on stdout (the table and progress go to stderr)
//
// Datasets (../shared/datasets, never copied into the repository; the splits are written to a temp folder):
//   ai4i    AI4I 2020, target "Machine failure" without the leaky failure-mode columns TWF, HDF, PWF, OSF, RNF;
//           a stratified 20% test split is held out; F1 of the failure class on it (target ≥ 0.80).
//   cmapss  NASA C-MAPSS FD001: the official train/test files; RMSE of the RUL at each test engine's last
//           cycle against RUL_FD001 (target ≤ 14). The test file carries every row's true RUL.
//   tweets  Twitter US airline sentiment, text → airline_sentiment (3 classes), stratified 20% test split;
//           accuracy (target: at least fastText's on the same split).
// Andon is trained with its default template for the task, as a user would through `andon train`; each peer is
// a conventional recipe. Every learner sees only the training part; those that need validation rows (early
// stopping, threshold) carve them out of it, as Andon does. Everything runs one after another on one thread
// (ANDON_THREADS=1, torch.set_num_threads(1), fastText -thread 1, scikit-learn n_jobs=1), so the training
// seconds compare.
// Options: --seed N (splits and every learner, default 1), --datasets ai4i,cmapss,tweets,
// --only andon,fasttext,sklearn,torch, --keep (keep the temp folder), --python PATH (default /usr/bin/python3).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from './peers/common.js';

const MARK = 'BENCH_RESULT ';
const here = dirname(fileURLToPath(import.meta.url));
const DATA = resolve(here, '../../shared/datasets');
const DATASETS = ['ai4i', 'cmapss', 'tweets'] as const;
const PEERS = ['andon', 'fasttext', 'sklearn', 'torch'] as const;
type DatasetId = (typeof DATASETS)[number];
type PeerId = (typeof PEERS)[number];

/** What one learner reports on one dataset. `value` is the row's metric; the rest are details. */
interface Measurement {
  value: number;
  train_seconds: number;
  [detail: string]: unknown;
}

interface Row {
  dataset: string;
  metric: string;
  higher_is_better: boolean;
  target: string;
  results: Record<PeerId, Measurement | null>;
  errors: Partial<Record<PeerId, string>>;
}

const META: Record<DatasetId, { dataset: string; metric: string; higher: boolean; target: string; peers: PeerId[] }> = {
  ai4i: { dataset: 'AI4I 2020 (machine failure)', metric: 'F1 failure class', higher: true, target: '≥ 0.80', peers: ['andon', 'sklearn', 'torch'] },
  cmapss: { dataset: 'C-MAPSS FD001 (RUL)', metric: 'RMSE last cycle', higher: false, target: '≤ 14', peers: ['andon', 'sklearn', 'torch'] },
  tweets: { dataset: 'Airline tweets (sentiment)', metric: 'accuracy', higher: true, target: '≥ fastText', peers: ['andon', 'fasttext', 'sklearn', 'torch'] },
};

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const log = (msg: string) => process.stderr.write(`${msg}\n`);

// ---------- the parent ----------

async function main(): Promise<void> {
  const asJson = args.includes('--json');
  const seed = Number(flag('seed') ?? 1);
  const datasets = (flag('datasets')?.split(',') ?? [...DATASETS]) as DatasetId[];
  const only = (flag('only')?.split(',') ?? [...PEERS]) as PeerId[];
  const python = flag('python') ?? '/usr/bin/python3';
  for (const d of datasets) if (!DATASETS.includes(d)) throw new Error(`unknown dataset ${d}; known: ${DATASETS.join(', ')}`);
  for (const p of only) if (!PEERS.includes(p)) throw new Error(`unknown learner ${p}; known: ${PEERS.join(', ')}`);
  const dir = mkdtempSync(join(tmpdir(), 'andon-bench-quality-'));
  const started = performance.now(),
    loadStart = loadavg()[0];
  const rows: Row[] = [];
  try {
    for (const d of datasets) {
      log(`▶ preparing ${d} in ${join(dir, d)}`);
      mkdirSync(join(dir, d));
      await PREPARE[d](join(dir, d), seed);
      const meta = META[d];
      const row: Row = {
        dataset: meta.dataset,
        metric: meta.metric,
        higher_is_better: meta.higher,
        target: meta.target,
        results: { andon: null, fasttext: null, sklearn: null, torch: null },
        errors: {},
      };
      for (const peer of meta.peers.filter((p) => only.includes(p))) {
        log(`▶ ${d}: ${peer}`);
        try {
          const m =
            peer === 'andon'
              ? await runAndon(d, join(dir, d), seed)
              : peer === 'fasttext'
                ? await runFastText(join(dir, d), seed)
                : await runPython(python, peer, d, join(dir, d), seed);
          row.results[peer] = m;
          log(`  ${meta.metric} ${fmt(m.value)} in ${m.train_seconds.toFixed(1)} s`);
        } catch (e) {
          row.errors[peer] = (e as Error).message;
          log(`  ✗ ${(e as Error).message}`);
        }
      }
      rows.push(row);
    }
  } finally {
    if (args.includes('--keep')) log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
  const ratios = ratiosOf(rows);
  const report = {
    bench: 'quality',
    seed,
    machine: { cpus: cpus().length, cpu_model: cpus()[0]?.model ?? 'unknown', load_avg_start: round(loadStart, 2), load_avg_end: round(loadavg()[0], 2) },
    total_seconds: round((performance.now() - started) / 1000, 1),
    rows,
    ratios,
  };
  const table = renderTable(rows, ratios);
  if (asJson) {
    process.stderr.write(table);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else process.stdout.write(table);
}

/** Andon's numbers beside each peer's; for RMSE the ratio is peer ÷ Andon, so above 1 always means Andon is better. */
function ratiosOf(rows: Row[]): Record<string, number | boolean | null> {
  const get = (ds: string, p: PeerId) => rows.find((r) => r.dataset === META[ds as DatasetId].dataset)?.results[p]?.value ?? null;
  const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : round(a / b, 4));
  const ai4i = get('ai4i', 'andon'),
    rmse = get('cmapss', 'andon'),
    acc = get('tweets', 'andon'),
    ft = get('tweets', 'fasttext');
  return {
    andon_f1_ai4i: ai4i === null ? null : round(ai4i, 4),
    andon_rmse_cmapss: rmse === null ? null : round(rmse, 3),
    andon_accuracy_tweets: acc === null ? null : round(acc, 4),
    andon_vs_sklearn_f1_ai4i: ratio(ai4i, get('ai4i', 'sklearn')),
    andon_vs_torch_f1_ai4i: ratio(ai4i, get('ai4i', 'torch')),
    andon_vs_sklearn_rmse_cmapss: ratio(get('cmapss', 'sklearn'), rmse),
    andon_vs_torch_rmse_cmapss: ratio(get('cmapss', 'torch'), rmse),
    andon_vs_fasttext_accuracy: ratio(acc, ft),
    andon_vs_sklearn_accuracy_tweets: ratio(acc, get('tweets', 'sklearn')),
    andon_vs_torch_accuracy_tweets: ratio(acc, get('tweets', 'torch')),
    target_ai4i_met: ai4i === null ? null : ai4i >= 0.8,
    target_cmapss_met: rmse === null ? null : rmse <= 14,
    target_tweets_met: acc === null || ft === null ? null : acc >= ft,
  };
}

function renderTable(rows: Row[], ratios: Record<string, unknown>): string {
  const cell = (m: Measurement | null, err?: string) => (m ? `${fmt(m.value)} (${m.train_seconds.toFixed(0)} s)` : err ? 'error' : '—');
  const head = ['dataset', 'metric', 'target', 'Andon', 'fastText', 'scikit-learn', 'PyTorch'];
  const body = rows.map((r) => [r.dataset, r.metric, r.target, ...PEERS.map((p) => cell(r.results[p], r.errors[p]))]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
  out.push('', 'cells: metric (training seconds, one thread)');
  for (const r of rows) {
    for (const p of PEERS) {
      const m = r.results[p];
      if (m?.recipe) out.push(`${r.dataset} — ${p}: ${String(m.recipe)}`);
      if (r.errors[p]) out.push(`${r.dataset} — ${p} failed: ${r.errors[p]}`);
    }
  }
  out.push('', `ratios: ${JSON.stringify(ratios)}`, '');
  return out.join('\n');
}

// ---------- the splits ----------

const PREPARE: Record<DatasetId, (dir: string, seed: number) => Promise<void>> = { ai4i: prepareAi4i, cmapss: prepareCmapss, tweets: prepareTweets };

/** RFC 4180 cells: quoted when they hold a delimiter, quote or line break. */
function csvCell(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
function writeCsv(path: string, header: string[], rows: (string | number | null)[][]): void {
  writeFileSync(path, [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n');
}

/** Seeded Fisher–Yates. */
function shuffle<T>(a: T[], rand: () => number): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** Row indices of a stratified split: `testFraction` of every class (rounded) goes to the test set. */
function stratified(labels: string[], testFraction: number, seed: number): { train: number[]; test: number[] } {
  const rand = mulberry32(seed);
  const byClass = new Map<string, number[]>();
  labels.forEach((l, i) => {
    if (!byClass.has(l)) byClass.set(l, []);
    byClass.get(l)!.push(i);
  });
  const train: number[] = [],
    test: number[] = [];
  for (const key of [...byClass.keys()].sort()) {
    const idx = shuffle(byClass.get(key)!, rand);
    const n = Math.round(idx.length * testFraction);
    test.push(...idx.slice(0, n));
    train.push(...idx.slice(n));
  }
  return { train: train.sort((a, b) => a - b), test: test.sort((a, b) => a - b) };
}

/** A CSV file as header + rows of strings, read with Andon's own reader (the same bytes every learner then gets). */
async function readRows(path: string): Promise<{ header: string[]; rows: (string | number | null)[][] }> {
  const { readTable } = await import('../src/data/readers/index.js');
  const { cellOf } = await import('../src/data/table.js');
  const { table } = await readTable(path);
  const header = table.columns.map((c) => c.name);
  const rows = Array.from({ length: table.rowCount }, (_, r) => table.columns.map((c) => cellOf(c, r)));
  return { header, rows };
}

const AI4I_LEAKY = ['TWF', 'HDF', 'PWF', 'OSF', 'RNF'];

async function prepareAi4i(dir: string, seed: number): Promise<void> {
  const { header, rows } = await readRows(join(DATA, 'ai4i2020/ai4i2020.csv'));
  const keep = header.map((h, i) => (AI4I_LEAKY.includes(h) ? -1 : i)).filter((i) => i >= 0);
  const y = header.indexOf('Machine failure');
  const { train, test } = stratified(
    rows.map((r) => String(r[y])),
    0.2,
    seed,
  );
  const cols = keep.map((i) => header[i]);
  writeCsv(
    join(dir, 'train.csv'),
    cols,
    train.map((r) => keep.map((i) => rows[r][i])),
  );
  writeCsv(
    join(dir, 'test.csv'),
    cols,
    test.map((r) => keep.map((i) => rows[r][i])),
  );
  log(`  ${train.length} training rows, ${test.length} test rows (${test.filter((r) => rows[r][y] === 1).length} failures)`);
}

const CMAPSS_COLUMNS = ['unit', 'cycle', 'setting_1', 'setting_2', 'setting_3', ...Array.from({ length: 21 }, (_, i) => `s${i + 1}`)];

function readSpaced(path: string): number[][] {
  return readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => l.split(/\s+/).map(Number));
}

/**
 * train.csv: the 26 columns as published (RUL is computed by each learner from the run-to-failure histories).
 * test.csv: the same plus RUL, the true remaining life of every row: RUL_FD001's value at the unit's last
 * cycle plus the cycles between the row and that last cycle.
 */
async function prepareCmapss(dir: string): Promise<void> {
  const src = join(DATA, 'cmapss-fd001');
  const train = readSpaced(join(src, 'train_FD001.txt')),
    test = readSpaced(join(src, 'test_FD001.txt'));
  const finalRul = readSpaced(join(src, 'RUL_FD001.txt')).map((r) => r[0]);
  for (const r of [...train, ...test]) if (r.length !== 26) throw new Error(`C-MAPSS rows must have 26 values, got ${r.length}`);
  const lastCycle = new Map<number, number>();
  for (const r of test) lastCycle.set(r[0], Math.max(lastCycle.get(r[0]) ?? -Infinity, r[1]));
  if (lastCycle.size !== finalRul.length) throw new Error(`${lastCycle.size} test units but ${finalRul.length} RUL values`);
  writeCsv(join(dir, 'train.csv'), CMAPSS_COLUMNS, train);
  writeCsv(
    join(dir, 'test.csv'),
    [...CMAPSS_COLUMNS, 'RUL'],
    test.map((r) => [...r, finalRul[r[0] - 1] + lastCycle.get(r[0])! - r[1]]),
  );
  log(`  ${train.length} training rows (${new Set(train.map((r) => r[0])).size} engines), ${test.length} test rows (${lastCycle.size} engines)`);
}

/** Two-column CSVs (text, airline_sentiment) and fastText's `__label__x text` files of the same split. */
async function prepareTweets(dir: string, seed: number): Promise<void> {
  const { header, rows } = await readRows(join(DATA, 'twitter-airline-sentiment/Tweets.csv'));
  const t = header.indexOf('text'),
    y = header.indexOf('airline_sentiment');
  const data = rows.filter((r) => r[t] !== null && r[y] !== null).map((r) => [String(r[t]), String(r[y])]);
  const { train, test } = stratified(
    data.map((r) => r[1]),
    0.2,
    seed,
  );
  for (const [name, idx] of [
    ['train', train],
    ['test', test],
  ] as const) {
    writeCsv(
      join(dir, `${name}.csv`),
      ['text', 'airline_sentiment'],
      idx.map((i) => data[i]),
    );
    writeFileSync(join(dir, `${name}.txt`), idx.map((i) => `__label__${data[i][1]} ${fastTextText(data[i][0])}`).join('\n') + '\n');
  }
  log(`  ${train.length} training tweets, ${test.length} test tweets`);
}

/** fastText's own tutorial preprocessing: lower case, punctuation split off words, one line per example. */
function fastTextText(s: string): string {
  return s
    .toLowerCase()
    .replace(/([.!?,'"/()@#:;])/g, ' $1 ')
    .replace(/\s+/g, ' ')
    .trim();
}

// ---------- the learners ----------

function runProcess(cmd: string, argv: string[], env: Record<string, string> = {}, timeoutMs = 1_800_000): Promise<{ code: number | null; stdout: string }> {
  return new Promise((res, rej) => {
    const proc = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    proc.stderr.on('data', (d: Buffer) =>
      process.stderr.write(
        d
          .toString()
          .split('\n')
          .map((l) => (l ? `    ${l}` : l))
          .join('\n'),
      ),
    );
    proc.on('error', rej);
    proc.on('close', (code) => {
      clearTimeout(timer);
      res({ code, stdout });
    });
  });
}

function resultOf(cmd: string, r: { code: number | null; stdout: string }): Measurement {
  const line = r.stdout.split('\n').find((l) => l.startsWith(MARK));
  if (!line) throw new Error(`${cmd} exited with ${r.code} and no result`);
  const m = JSON.parse(line.slice(MARK.length)) as Measurement | { error: string };
  if ('error' in m) throw new Error(String(m.error));
  return m;
}

const ONE_THREAD = { ANDON_THREADS: '1', OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };

async function runAndon(d: DatasetId, dir: string, seed: number): Promise<Measurement> {
  const self = fileURLToPath(import.meta.url);
  return resultOf('andon', await runProcess(process.execPath, ['--import', 'tsx', self, '--child', d, dir, String(seed)], ONE_THREAD));
}

async function runPython(python: string, peer: 'sklearn' | 'torch', d: DatasetId, dir: string, seed: number): Promise<Measurement> {
  const script = join(here, 'peers', `quality_${peer}.py`);
  return resultOf(peer, await runProcess(python, [script, d, '--dir', dir, '--seed', String(seed)], ONE_THREAD));
}

/** fastText's supervised mode with its defaults, and with word bigrams; the better of the two is the row's number. */
async function runFastText(dir: string, seed: number): Promise<Measurement> {
  const variants: Record<string, string[]> = { default: [], bigrams: ['-wordNgrams', '2'] };
  const out: Record<string, { accuracy: number; train_seconds: number }> = {};
  for (const [name, extra] of Object.entries(variants)) {
    const model = join(dir, `fasttext-${name}`);
    const t0 = performance.now();
    const tr = await runProcess('fasttext', [
      'supervised',
      '-input',
      join(dir, 'train.txt'),
      '-output',
      model,
      '-thread',
      '1',
      '-seed',
      String(seed),
      ...extra,
    ]);
    const seconds = (performance.now() - t0) / 1000;
    if (tr.code !== 0) throw new Error(`fasttext supervised exited with ${tr.code}`);
    // `fasttext test` prints N, P@1 and R@1; with one label per line P@1 is the accuracy.
    const te = await runProcess('fasttext', ['test', `${model}.bin`, join(dir, 'test.txt')]);
    const p = /P@1\s+([\d.]+)/.exec(te.stdout);
    if (te.code !== 0 || !p) throw new Error(`fasttext test failed: ${te.stdout.trim()}`);
    out[name] = { accuracy: Number(p[1]), train_seconds: round(seconds, 2) };
  }
  const best = out.default.accuracy >= out.bigrams.accuracy ? 'default' : 'bigrams';
  return {
    value: out[best].accuracy,
    train_seconds: out[best].train_seconds,
    variants: out,
    best: best,
    recipe: `fastText supervised, tutorial preprocessing (lower case, punctuation split), -thread 1; default ${fmt(out.default.accuracy)}, -wordNgrams 2 ${fmt(out.bigrams.accuracy)}`,
  };
}

// ---------- the Andon child: train with the default template, save the bundle, reload it, score the test file ----------

async function andonChild(d: DatasetId, dir: string, seed: number): Promise<void> {
  const [{ readTable }, { fitModel }, { bundleFiles, writeBundle, readBundle }, { evaluateBundle }] = await Promise.all([
    import('../src/data/readers/index.js'),
    import('../src/ml/fit.js'),
    import('../src/ml/bundle.js'),
    import('../src/ml/evaluate-bundle.js'),
  ]);
  const request = {
    ai4i: { target: 'Machine failure' },
    cmapss: { target: 'RUL', task: 'rul' as const, groupColumn: 'unit', timeColumn: 'cycle' },
    tweets: { target: 'airline_sentiment' },
  }[d];
  const { table } = await readTable(join(dir, 'train.csv'));
  let lastLog = 0;
  const t0 = performance.now();
  const fitted = await fitModel(table, {
    ...request,
    seed,
    onProgress: (e) => {
      if (e.type !== 'epoch') return;
      const now = performance.now();
      if (now - lastLog < 10_000) return;
      lastLog = now;
      log(
        `    epoch ${e.epoch}: train ${e.trainLoss.toFixed(4)}, validation ${e.validationLoss?.toFixed(4)}${e.best ? ' *' : ''} (${((now - t0) / 1000).toFixed(0)} s)`,
      );
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const out = join(dir, 'andon-model');
  await writeBundle(out, bundleFiles(fitted));
  const bundle = await readBundle(out);
  const { table: test } = await readTable(join(dir, 'test.csv'));
  const { metrics } = evaluateBundle(bundle, test);
  const m = fitted.manifest;
  const value = d === 'ai4i' ? metrics.f1 : d === 'cmapss' ? (metrics.rmse_last ?? metrics.rmse) : metrics.accuracy;
  if (typeof value !== 'number') throw new Error(`the ${d} metrics lack the headline number: ${JSON.stringify(metrics)}`);
  const t = m.training;
  process.stdout.write(
    `${MARK}${JSON.stringify({
      value,
      train_seconds: round(seconds, 2),
      test_metrics: metrics,
      validation_metrics: m.metrics,
      template: m.template,
      epochs_run: t.epochs_run,
      best_epoch: t.best_epoch,
      stopped: t.stopped,
      rows_train: t.rows_train,
      recipe: `template ${m.template}, ${t.epochs_run} epochs (best ${t.best_epoch}, ${t.stopped}), ${t.rows_train} training ${m.rul ? 'windows' : 'rows'}`,
    })}\n`,
  );
}

function fmt(x: number): string {
  return Math.abs(x) >= 10 ? x.toFixed(2) : x.toFixed(4);
}
function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

// Last, so every constant above is initialised before the top-level await runs.
if (args[0] === '--child') await andonChild(args[1] as DatasetId, args[2], Number(args[3]));
else await main();
