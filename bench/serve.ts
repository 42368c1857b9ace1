// The serving benchmark: one-row predictions over HTTP with an API key, beside a ceiling measured in the same run.
//
//   npm run bench:serve                   a table on stdout
//   npm run -s bench:serve -- --json      one JSON object on stdout (the table and progress go to stderr)
//
// Setup, all through the public HTTP API: Andon runs as a child process (`node --import tsx src/cli/main.ts serve`,
// PORT=0, HOST=127.0.0.1, a fresh temp ANDON_HOME, ANDON_BOOTSTRAP_KEY, ANDON_RATE_LIMIT=1000000 (the limiter runs,
// above what the load generator sends), and LOG_LEVEL=warn so that the per-request
// info logs are off); the benchmark uploads 3,000 generated AI4I 2020 rows, trains the predictive-maintenance
// template for 5 epochs, promotes version 1 to `production` and creates two deployments of it: `pm` (micro-batching
// off) and `pm-batched` (maxBatch 64, maxDelayMs 2).
//
// The ceiling is a bare `node:http` server in another child process. It downloads nothing itself: the benchmark
// fetches the bundle (manifest.json, weights.safetensors, model.onnx) over the API and hands it over, and the
// ceiling loads it with src/runtime `loadModel` — the same ONNX Runtime session options (intraOpNumThreads 1) and
// the same TypeScript pipeline. Its handler reads the body, JSON.parses it, calls `model.predict(rows)` (turning the
// rows into a typed table, the fitted preprocessing, the ONNX run, the predictions) and answers JSON. It has no
// API key check, no JSON-schema validation, no router, no metrics, no logging and no micro-batcher.
//
// Load: autocannon's programmatic API inside this process, POSTing one fixed row. At each concurrency every server
// warms up once (default 3 s, discarded), then the servers are measured in turn, `--rounds` times (default 9), for
// `--duration` seconds each (default 2), the order flipping every round. Latencies are taken from every 2xx response (autocannon's own histogram
// has 1 ms resolution, too coarse here). On a 2-core machine the load generator shares the CPU with the server, so
// every phase also records the CPU cores the server process used, the cores this process (the load generator) used
// and the cores everything else on the machine used, and the server's CPU time per request — the cost that other
// load on the machine does not change much, unlike req/s and tail latency.
//
// Why short alternating phases: this machine's speed drifts by a fifth or more within minutes (the ceiling alone has
// measured anywhere from 8,900 to 15,200 req/s at concurrency 16), far more than between two phases seconds apart.
// Each row of the report pools a server's rounds (all rounds are in the JSON's `rounds`); each ratio is the median
// over the rounds of the ratio within one round.
//
// Options: --duration S (measured seconds per phase, default 2), --warmup S (default 3), --concurrency 1,16,64, --rounds N (default 9),
// --profile DIR (run both children with --cpu-prof: profiles in DIR/andon and DIR/ceiling, written when they exit),
// --keep (leave the temp ANDON_HOME in place).
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const argv = process.argv.slice(2);
const flag = (name: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const log = (msg: string) => process.stderr.write(`${msg}\n`);
const root = fileURLToPath(new URL('..', import.meta.url));
/** Both servers run the compiled code when `npm run build` has made it (npm ci does). */
const USE_DIST = existsSync(join(root, 'dist/cli/main.js')) && existsSync(join(root, 'dist/runtime/index.js'));
const selfPath = fileURLToPath(import.meta.url);
const BUNDLE_FILES = ['manifest.json', 'weights.safetensors', 'model.onnx'];
const FEATURES = ['Type', 'Air temperature [K]', 'Process temperature [K]', 'Rotational speed [rpm]', 'Torque [Nm]', 'Tool wear [min]'];
const EXCLUDE = ['UDI', 'Product ID', 'TWF', 'HDF', 'PWF', 'OSF', 'RNF'];
const KEY = 'andon_0123456789ab_BenchServeKey_0123456789abcdefgh'; // the bootstrap admin key of the throwaway home
const CEILING_MARK = 'CEILING_LISTENING ';

// ---------- the ceiling child: a bare node:http server around the same loaded model ----------

async function ceiling(dir: string): Promise<void> {
  // The compiled runtime when the build is there (what `npm start` runs), else the sources through tsx.
  const { loadModel } = (
    USE_DIST ? await import('../dist/runtime/index.js' as string) : await import('../src/runtime/index.js')
  ) as typeof import('../src/runtime/index.js');
  const files = new Map<string, Uint8Array>(BUNDLE_FILES.map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]));
  const model = await loadModel(files);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let rows: Record<string, unknown>[];
      try {
        rows = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { rows: Record<string, unknown>[] }).rows;
      } catch {
        res.writeHead(400).end();
        return;
      }
      model.predict(rows).then(
        (predictions) => {
          const body = JSON.stringify({ predictions });
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
        },
        (e: Error) => {
          res.writeHead(400, { 'content-type': 'text/plain' }).end(e.message);
        },
      );
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const a = server.address();
    process.stdout.write(`${CEILING_MARK}${typeof a === 'object' && a ? a.port : 0} engine=${model.engine}\n`);
  });
  const stop = () => {
    server.close();
    void model.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

// ---------- the parent ----------

interface Phase {
  server: 'ceiling' | 'andon' | 'andon_batched';
  concurrency: number;
  requests: number;
  rps: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
  errors: number;
  non_2xx: number;
  seconds: number;
  /** CPU cores the server process kept busy during the measured window (all its threads). */
  server_cpu_cores: number | null;
  /** CPU cores this process (the load generator) kept busy meanwhile. */
  loadgen_cpu_cores: number;
  /** Cores everything else on the machine kept busy meanwhile (machine CPU time minus the two above). */
  other_cpu_cores: number | null;
  /** Server CPU time per answered request, in µs: less sensitive to other load on the machine than req/s. */
  server_cpu_us_per_request: number | null;
}

async function main(): Promise<void> {
  const asJson = argv.includes('--json');
  const duration = Number(flag('duration') ?? 2);
  const warmup = Number(flag('warmup') ?? 3);
  const levels = (flag('concurrency') ?? '1,16,64').split(',').map(Number);
  const rounds = Number(flag('rounds') ?? 9);
  const profileDir = flag('profile');
  const loadStart = loadavg();
  const home = mkdtempSync(join(tmpdir(), 'andon-bench-serve-'));
  const bundleDir = join(home, 'bundle');
  const children: ChildProcess[] = [];
  const notes: string[] = [];
  const stopAll = () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  };
  process.once('SIGINT', () => {
    stopAll();
    process.exit(130);
  });
  try {
    // 1. Andon, on a fresh home.
    // The per-key rate limit still runs, set above what one load generator can send.
    log(`▶ starting Andon (ANDON_HOME=${home}, LOG_LEVEL=warn, ANDON_RATE_LIMIT=1000000)`);
    // Like the ceiling, Andon runs compiled (dist/, as `npm start` runs it) when the build is there.
    const entry = USE_DIST ? ['dist/cli/main.js'] : ['--import', 'tsx', 'src/cli/main.ts'];
    const andon = spawn(process.execPath, [...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, 'andon')}`] : []), ...entry, 'serve'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        ANDON_HOME: join(home, 'andon'),
        ANDON_BOOTSTRAP_KEY: KEY,
        LOG_LEVEL: 'warn',
        ANDON_RATE_LIMIT: '1000000',
      },
    });
    children.push(andon);
    const base = await waitForLine(andon, 'stderr', /Andon is listening on (http:\/\/\S+)/, 60_000).then((m) => m[1]);
    andon.stdout!.on('data', (d: Buffer) => process.stderr.write(`[andon] ${d}`));
    log(`  ${base}`);
    const api = makeApi(base);

    // 2. Data, training, promotion, deployments — through the API.
    const { ai4iCsv, ai4iRows } = await import('../src/data/synthetic-machines.js');
    await api('POST', '/api/v1/datasets?name=machines', ai4iCsv(3000, 1), 'text/csv');
    const started = performance.now();
    const job = (await api('POST', '/api/v1/jobs', {
      dataset: 'machines',
      target: 'Machine failure',
      model: 'pm',
      template: 'predictive-maintenance',
      epochs: 5,
      exclude: EXCLUDE,
    })) as { id: string };
    log(`▶ training job ${job.id}`);
    for (;;) {
      const j = (await api('GET', `/api/v1/jobs/${job.id}`)) as { status: string; error?: unknown };
      if (j.status === 'succeeded') break;
      if (['failed', 'cancelled'].includes(j.status)) throw new Error(`training ${j.status}: ${JSON.stringify(j.error ?? j)}`);
      if (performance.now() - started > 300_000) throw new Error('training took more than 5 minutes');
      await sleep(250);
    }
    log(`  trained in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    await api('PUT', '/api/v1/models/pm/aliases/production', { version: 1 });
    await api('POST', '/api/v1/deployments', { name: 'pm', model: 'pm', alias: 'production' });
    await api('POST', '/api/v1/deployments', { name: 'pm-batched', model: 'pm', alias: 'production', batching: { maxBatch: 64, maxDelayMs: 2 } });

    // 3. The ceiling, on the same bundle.
    mkdirSync(bundleDir, { recursive: true });
    for (const f of BUNDLE_FILES)
      writeFileSync(join(bundleDir, f), (await api('GET', `/api/v1/models/pm/versions/1/files/${f}`, undefined, undefined, true)) as Buffer);
    log('▶ starting the ceiling (bare node:http + loadModel)');
    const ceil = spawn(
      process.execPath,
      [...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, 'ceiling')}`] : []), '--import', 'tsx', selfPath, '--ceiling', bundleDir],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    children.push(ceil);
    const cm = await waitForLine(ceil, 'stdout', new RegExp(`${CEILING_MARK}(\\d+) engine=(\\w+)`), 60_000);
    const ceilingUrl = `http://127.0.0.1:${cm[1]}`;
    if (cm[2] !== 'onnx') notes.push(`the ceiling runs on the ${cm[2]} engine, not ONNX Runtime`);

    // 4. One fixed row; both servers must answer it the same.
    const raw = ai4iRows(1, 7)[0] as unknown as Record<string, unknown>;
    const row = Object.fromEntries(FEATURES.map((c) => [c, raw[c]]));
    const body = JSON.stringify({ rows: [row] });
    const targets = {
      ceiling: { url: `${ceilingUrl}/predict`, headers: { 'content-type': 'application/json' } },
      andon: { url: `${base}/api/v1/deployments/pm/predict`, headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` } },
      andon_batched: { url: `${base}/api/v1/deployments/pm-batched/predict`, headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` } },
    } as const;
    const answers: Record<string, unknown> = {};
    for (const [name, t] of Object.entries(targets)) {
      const r = await fetch(t.url, { method: 'POST', headers: t.headers, body });
      const text = await r.text();
      if (!r.ok) throw new Error(`${name} answered ${r.status}: ${text}`);
      answers[name] = (JSON.parse(text) as { predictions: unknown[] }).predictions[0];
    }
    const same = JSON.stringify(answers.ceiling) === JSON.stringify(answers.andon) && JSON.stringify(answers.andon) === JSON.stringify(answers.andon_batched);
    if (!same) notes.push(`the servers disagree on the prediction: ${JSON.stringify(answers)}`);
    log(`  prediction for the row: ${JSON.stringify(answers.andon)}${same ? ' (all three agree)' : ' (DISAGREE)'}`);

    // 5. The phases. Each concurrency level warms every server once, then measures them in turn, round after round:
    // short phases taken alternately (one round the ceiling first, the next Andon first) see the same machine, whose
    // speed drifts by a fifth or more within minutes here.
    const phases: (Phase & { round: number })[] = [];
    const latencies = new Map<string, number[]>();
    for (const c of levels) {
      const servers: Phase['server'][] = c === 64 ? ['ceiling', 'andon', 'andon_batched'] : ['ceiling', 'andon'];
      for (const s of servers) {
        log(`▶ ${LABEL[s]} at concurrency ${c}: ${warmup} s warm-up`);
        await load(targets[s], body, c, warmup);
      }
      for (let round = 1; round <= rounds; round++) {
        for (const server of round % 2 ? servers : [...servers].reverse()) {
          const pid = server === 'ceiling' ? ceil.pid! : andon.pid!;
          const { phase: r, latencies: lat } = await measure(targets[server], body, c, duration, pid);
          const phase = { server, concurrency: c, round, ...r };
          phases.push(phase);
          const k = `${server}@${c}`;
          latencies.set(k, [...(latencies.get(k) ?? []), ...lat]);
          log(
            `  round ${round}/${rounds} ${LABEL[server]}: ${Math.round(phase.rps)} req/s, p99 ${phase.p99_ms.toFixed(2)} ms, errors ${phase.errors + phase.non_2xx}, server ${fmtCores(phase.server_cpu_cores)} cores, ${phase.server_cpu_us_per_request ?? '—'} µs/req`,
          );
          if (phase.errors + phase.non_2xx > 0)
            notes.push(`${LABEL[server]} at ${c}, round ${round}: ${phase.errors} errors, ${phase.non_2xx} non-2xx answers`);
        }
      }
    }

    // 6. The report: per server and concurrency, all its rounds together.
    const results = pooled(phases, latencies);
    const find = (s: Phase['server'], c: number) => results.find((r) => r.server === s && r.concurrency === c);
    // Ratios pair the phases of one round, measured back to back, and take the median over the rounds: the machine's
    // speed drifts (the ceiling alone has moved by a third within minutes), much less between two neighbouring phases.
    const inRound = (s: Phase['server'], c: number, r: number) => phases.find((p) => p.server === s && p.concurrency === c && p.round === r);
    const pairedRatio = (a: Phase['server'], b: Phase['server'], c: number, value: (p: Phase) => number | null, digits: number) => {
      const per = Array.from({ length: rounds }, (_, i) => {
        const x = inRound(a, c, i + 1),
          y = inRound(b, c, i + 1);
        const vx = x && value(x),
          vy = y && value(y);
        return vx && vy ? vx / vy : null;
      })
        .filter((v): v is number => v !== null)
        .sort((p, q) => p - q);
      return per.length ? round(per[Math.floor((per.length - 1) / 2)], digits) : null;
    };
    const vs = (c: number) => pairedRatio('andon', 'ceiling', c, (p) => p.rps, 3);
    const cpuVs = (c: number) => pairedRatio('andon', 'ceiling', c, (p) => p.server_cpu_us_per_request, 2);
    const on = find('andon_batched', 64),
      off = find('andon', 64);
    const p99c16 = find('andon', 16) ? round(find('andon', 16)!.p99_ms, 2) : null;
    const ratios = {
      andon_vs_ceiling_c1: vs(1),
      andon_vs_ceiling_c16: vs(16),
      andon_vs_ceiling_c64: vs(64),
      batching_on_vs_off_c64: on && off ? pairedRatio('andon_batched', 'andon', 64, (p) => p.rps, 3) : null,
      andon_p99_ms_c16: p99c16,
      // Server CPU per request, Andon over the ceiling (>1 = Andon spends more): the cost gap with other load factored out.
      cpu_per_request_andon_vs_ceiling_c16: cpuVs(16),
    };
    const targetsMet = {
      rps_vs_ceiling_c16: {
        target: '>= 0.7',
        value: ratios.andon_vs_ceiling_c16,
        met: ratios.andon_vs_ceiling_c16 !== null && ratios.andon_vs_ceiling_c16 >= 0.7,
      },
      p99_ms_c16: { target: '<= 10', value: p99c16, met: p99c16 !== null && p99c16 <= 10 },
    };
    const loadEnd = loadavg();
    const report = {
      bench: 'serve',
      date: new Date().toISOString(),
      machine: {
        cpu: cpus()[0]?.model ?? 'unknown',
        cores: cpus().length,
        memory_gb: round(totalmem() / 2 ** 30, 1),
        node: process.version,
        onnxruntime_node: versionOf('onnxruntime-node'),
        autocannon: versionOf('autocannon'),
        fastify: versionOf('fastify'),
        load_average_1m: { start: round(loadStart[0], 2), end: round(loadEnd[0], 2) },
        load_average_5m: { start: round(loadStart[1], 2), end: round(loadEnd[1], 2) },
      },
      setup: {
        request: { rows: 1, body_bytes: Buffer.byteLength(body), row },
        andon: `${USE_DIST ? 'node dist/cli/main.js' : 'node --import tsx src/cli/main.ts'} serve, LOG_LEVEL=warn, API key in Authorization: Bearer; POST /api/v1/deployments/{pm|pm-batched}/predict`,
        ceiling:
          'bare node:http server in its own process: reads the body, JSON.parse, src/runtime loadModel(bundle).predict(rows) ' +
          '(rows to a typed table, fitted preprocessing, the same onnxruntime-node session with intraOpNumThreads 1, predictions), JSON answer; ' +
          'no API key, no JSON-schema validation, no router, no metrics, no logging, no micro-batcher',
        batching: { deployment: 'pm-batched', maxBatch: 64, maxDelayMs: 2 },
        load_generator: 'autocannon (programmatic) in the benchmark process, sharing the cores with the server; latencies from every 2xx response',
        warmup_s: warmup,
        duration_s: duration,
        rounds,
        summary:
          'results: for each server and concurrency, its rounds pooled (req/s = requests / seconds, latency percentiles over every response, CPU per request = CPU time / requests; rounds: every phase); ratios: the median over rounds of the ratio within a round',
      },
      results,
      rounds: phases,
      ratios,
      andon_p99_ms_c16: p99c16,
      targets: targetsMet,
      notes,
    };
    const table = renderTable(results, ratios, targetsMet, report.machine, warmup, duration, rounds, notes);
    if (asJson) {
      process.stderr.write(table);
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else process.stdout.write(table);
  } finally {
    stopAll();
    await Promise.all(
      children.map((c) =>
        c.exitCode === null && c.signalCode === null
          ? new Promise((res) => {
              c.once('exit', res);
              setTimeout(res, 10_000);
            })
          : null,
      ),
    );
    if (!argv.includes('--keep')) rmSync(home, { recursive: true, force: true });
    else log(`kept ${home}`);
  }
}

const LABEL: Record<Phase['server'], string> = {
  ceiling: 'ceiling: bare node:http + same model',
  andon: 'Andon predict (key, batching off)',
  andon_batched: 'Andon predict (key, batching 64/2ms)',
};

function makeApi(base: string) {
  return async (method: string, path: string, body?: unknown, type?: string, binary = false): Promise<unknown> => {
    const headers: Record<string, string> = { authorization: `Bearer ${KEY}` };
    let payload: string | undefined;
    if (body !== undefined) {
      headers['content-type'] = type ?? 'application/json';
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const r = await fetch(`${base}${path}`, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
    if (binary) return Buffer.from(await r.arrayBuffer());
    const text = await r.text();
    return text ? JSON.parse(text) : null;
  };
}

type Target = { url: string; headers: Record<string, string> };

/** The part of autocannon's programmatic API used here (the package ships no types). */
interface AcResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}
type Autocannon = (
  opts: Record<string, unknown>,
  done: (err: Error | null, res: AcResult) => void,
) => { on(event: 'response', fn: (client: unknown, status: number, bytes: number, ms: number) => void): void };
const AUTOCANNON = 'autocannon';

async function load(t: Target, body: string, connections: number, seconds: number, onResponse?: (status: number, ms: number) => void) {
  const autocannon = ((await import(AUTOCANNON)) as { default: Autocannon }).default;
  return new Promise<AcResult>((resolve, reject) => {
    const inst = autocannon({ url: t.url, method: 'POST', headers: t.headers, body, connections, pipelining: 1, duration: seconds }, (err, res) =>
      err ? reject(err) : resolve(res),
    );
    if (onResponse) inst.on('response', (_client, status, _bytes, ms) => onResponse(status, ms));
  });
}

async function measure(t: Target, body: string, connections: number, seconds: number, serverPid: number) {
  const lat: number[] = [];
  const cpu0 = process.cpuUsage(),
    srv0 = procCpuSeconds(serverPid),
    all0 = machineCpuSeconds();
  const t0 = performance.now();
  const res = await load(t, body, connections, seconds, (status, ms) => {
    if (status >= 200 && status < 300) lat.push(ms);
  });
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0),
    srv1 = procCpuSeconds(serverPid),
    all1 = machineCpuSeconds();
  const loadgen = (cpu.user + cpu.system) / 1e6 / wall;
  const server = srv0 !== null && srv1 !== null ? (srv1 - srv0) / wall : null;
  const machine = all0 !== null && all1 !== null ? (all1 - all0) / wall : null;
  lat.sort((a, b) => a - b);
  const phase: Omit<Phase, 'server' | 'concurrency'> = {
    requests: lat.length,
    rps: round(lat.length / res.duration, 1),
    ...percentiles(lat),
    errors: res.errors + res.timeouts,
    non_2xx: res.non2xx,
    seconds: res.duration,
    server_cpu_cores: server === null ? null : round(server, 2),
    loadgen_cpu_cores: round(loadgen, 2),
    other_cpu_cores: machine === null || server === null ? null : round(Math.max(0, machine - server - loadgen), 2),
    server_cpu_us_per_request: server === null || lat.length === 0 ? null : round((server * wall * 1e6) / lat.length, 1),
  };
  return { phase, latencies: lat };
}

/** p50, p90, p99 and max of sorted latencies. */
function percentiles(sorted: number[]): { p50_ms: number; p90_ms: number; p99_ms: number; max_ms: number } {
  const q = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] : NaN);
  return { p50_ms: round(q(0.5), 3), p90_ms: round(q(0.9), 3), p99_ms: round(q(0.99), 3), max_ms: round(sorted[sorted.length - 1] ?? NaN, 3) };
}

/** user + system CPU seconds of a process, all its threads (Linux /proc). */
function procCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100 on Linux)
  } catch {
    return null;
  }
}

/** Busy CPU seconds of the whole machine (Linux /proc/stat: user+nice+system+irq+softirq). */
function machineCpuSeconds(): number | null {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return (f[0] + f[1] + f[2] + f[5] + f[6]) / 100;
  } catch {
    return null;
  }
}

function waitForLine(proc: ChildProcess, stream: 'stdout' | 'stderr', re: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`no ${re} within ${timeoutMs / 1000} s; output so far:\n${buf}`)), timeoutMs);
    const onData = (d: Buffer) => {
      const s = d.toString();
      buf += s;
      if (stream === 'stderr' && !re.test(buf)) process.stderr.write(s);
      const m = buf.match(re);
      if (m) {
        clearTimeout(timer);
        proc[stream]!.off('data', onData);
        proc[stream]!.on('data', (x: Buffer) => process.stderr.write(x));
        resolve(m);
      }
    };
    proc[stream]!.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the child exited with ${code} before ${re}; output:\n${buf}`));
    });
  });
}

function versionOf(pkg: string): string | null {
  try {
    return (createRequire(join(root, 'package.json'))(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return null;
  }
}

function renderTable(
  results: Phase[],
  ratios: Record<string, number | null>,
  targets: Record<string, { target: string; value: number | null; met: boolean }>,
  machine: { cpu: string; cores: number; node: string; load_average_1m: { start: number; end: number } },
  warmup: number,
  duration: number,
  rounds: number,
  notes: string[],
): string {
  const head = ['server', 'conc.', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'server CPU', 'loadgen CPU', 'other CPU', 'server CPU µs/req', 'vs ceiling'];
  const body = results.map((r) => {
    const c = results.find((x) => x.server === 'ceiling' && x.concurrency === r.concurrency);
    return [
      LABEL[r.server],
      String(r.concurrency),
      Math.round(r.rps).toLocaleString('en-US'),
      r.p50_ms.toFixed(2),
      r.p99_ms.toFixed(2),
      String(r.errors + r.non_2xx),
      fmtCores(r.server_cpu_cores),
      fmtCores(r.loadgen_cpu_cores),
      fmtCores(r.other_cpu_cores),
      r.server_cpu_us_per_request === null ? '—' : r.server_cpu_us_per_request.toFixed(0),
      r.server === 'ceiling' ? '—' : c ? `${(r.rps / c.rps).toFixed(2)}×` : '—',
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const yes = (b: boolean) => (b ? 'met' : 'NOT met');
  return [
    `Andon serving benchmark — one-row predictions over HTTP, ${warmup} s warm-up per server and concurrency, then ${rounds} rounds of ${duration} s phases taken in turn (each row: its rounds pooled), autocannon in the benchmark process`,
    `${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; load average (1 min) ${machine.load_average_1m.start} at start, ${machine.load_average_1m.end} at end`,
    '',
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    '',
    'ceiling = bare node:http + JSON.parse + src/runtime loadModel().predict (rows → table, fitted pipeline, same ONNX session, 1 intra-op thread); no key, schema, router, metrics, logs',
    'Andon runs with LOG_LEVEL=warn. CPU columns: cores kept busy during the measured window by the server process, by the load generator, and by everything else on the machine; µs/req = server CPU time per answered request.',
    `ratios: ${Object.entries(ratios)
      .map(([k, v]) => `${k}=${v ?? 'null'}`)
      .join(', ')}`,
    `targets at concurrency 16: req/s ≥ 0.7× ceiling: ${targets.rps_vs_ceiling_c16.value ?? 'null'}× — ${yes(targets.rps_vs_ceiling_c16.met)}; ` +
      `p99 ≤ 10 ms: ${targets.p99_ms_c16.value ?? 'null'} ms — ${yes(targets.p99_ms_c16.met)}`,
    ...notes.map((n) => `note: ${n}`),
    '',
  ].join('\n');
}

/**
 * One row per server and concurrency from all its rounds: requests over seconds, latency percentiles over every
 * answer, CPU cores as the time-weighted mean, CPU per request as CPU time over requests.
 */
function pooled(phases: (Phase & { round: number })[], latencies: Map<string, number[]>): Phase[] {
  const groups = new Map<string, (Phase & { round: number })[]>();
  for (const p of phases) groups.set(`${p.server}@${p.concurrency}`, [...(groups.get(`${p.server}@${p.concurrency}`) ?? []), p]);
  return [...groups.entries()].map(([k, g]) => {
    const seconds = g.reduce((a, p) => a + p.seconds, 0),
      requests = g.reduce((a, p) => a + p.requests, 0);
    const mean = (f: (p: Phase) => number | null) => (g.some((p) => f(p) === null) ? null : round(g.reduce((a, p) => a + f(p)! * p.seconds, 0) / seconds, 2));
    const serverCpu = mean((p) => p.server_cpu_cores);
    return {
      server: g[0].server,
      concurrency: g[0].concurrency,
      requests,
      rps: round(requests / seconds, 1),
      ...percentiles((latencies.get(k) ?? []).sort((a, b) => a - b)),
      errors: g.reduce((a, p) => a + p.errors, 0),
      non_2xx: g.reduce((a, p) => a + p.non_2xx, 0),
      seconds: round(seconds, 2),
      server_cpu_cores: serverCpu,
      loadgen_cpu_cores: mean((p) => p.loadgen_cpu_cores)!,
      other_cpu_cores: mean((p) => p.other_cpu_cores),
      server_cpu_us_per_request: serverCpu === null || requests === 0 ? null : round((serverCpu * seconds * 1e6) / requests, 1),
    };
  });
}

function fmtCores(x: number | null): string {
  return x === null ? '—' : x.toFixed(2);
}
function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}
function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

// Last, so that every constant above is initialised before the top-level await runs.
if (argv[0] === '--ceiling') await ceiling(argv[1]);
else await main();
