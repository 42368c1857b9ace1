// The engine benchmark: Andon's training throughput and matmul speed against its peers, measured in the same run.
//
//   npm run bench:engine                 a table on stdout
//   npm run -s bench:engine -- --json    one JSON object on stdout (the table and progress go to stderr;
//                                        -s keeps npm's own "> andon bench:engine" banner off stdout)
//
// Every measurement runs in its own child process (bench/peers/*): Andon at 1 and 2 threads, TensorFlow.js on its
// WASM backend, PyTorch CPU and numpy through Debian's /usr/bin/python3, and a plain JavaScript MLP. A peer that is
// not installed reports null. Every peer runs alone, one after another. Other processes on the machine skew the
// numbers, so each measurement records `other_load` (cores other processes kept busy meanwhile: machine CPU time
// minus the peer's own) and `steal` (cores the hypervisor gave other guests).
//
// The Python peers run on the system OpenBLAS, whose kernel depends on the CPU it detects: Debian's 0.3.21 does not
// know every new Xeon and then falls back to its slowest kernel ("Prescott"), 2-4× slower than the one the CPU can run.
// Before the peers run, a short probe (bench/peers/blasprobe.py) times a matmul with OPENBLAS_CORETYPE unset and with
// the core type the CPU's /proc/cpuinfo flags call for (SkylakeX for AVX-512, Haswell for AVX2), and the peers get
// the fastest valid one, set in their environment whatever this process inherited; the table and --json say which.
//
// Options: --rows N (smaller data for a quick check); --epochs N (timed epochs per fast MLP run, best kept; default
// 3); --rounds N (interleaved runs of the fast peers, best kept; default 2); --only a,b (peer ids: andon_1t,
// andon_2t, tfjs_wasm, pytorch_1t, pytorch_2t, numpy_1t, plain_js).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem, platform, arch, release } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  RESULT_MARK,
  configFromArgs,
  configToArgs,
  makeDataSet,
  matmulSizes,
  parseArgs,
  stepsPerEpoch,
  writeDataSet,
  type MatmulResult,
  type MlpResult,
} from './peers/common.js';

const argv = process.argv.slice(2);
const args = parseArgs(argv);
const asJson = args.has('json');
const only = args.get('only')?.split(',');
const config = configFromArgs(args);
const root = fileURLToPath(new URL('..', import.meta.url));
const peersDir = join(root, 'bench', 'peers');
const PY = '/usr/bin/python3';
const CHILD_TIMEOUT_MS = 180_000;

const log = (msg: string) => process.stderr.write(`${msg}\n`);
const notes: string[] = [];

// ---------- child processes ----------

interface ChildOutcome<T> {
  result: T | null;
  error?: string;
  seconds: number;
}

/** CPU seconds all cores have spent busy since boot. */
function machineBusySeconds(): number {
  let ms = 0;
  for (const c of cpus()) ms += c.times.user + c.times.nice + c.times.sys + c.times.irq;
  return ms / 1000;
}

/** Seconds of CPU the hypervisor gave other guests (Linux /proc/stat "steal", 100 ticks a second), or null. */
function stealSeconds(): number | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    return fields[0] === 'cpu' && fields.length > 8 ? Number(fields[8]) / 100 : null;
  } catch {
    return null;
  }
}

/** Runs one peer; its result is the BENCH_RESULT line on stdout, every other line is passed to stderr. */
function runChild<T>(label: string, cmd: string, cmdArgs: string[], env: NodeJS.ProcessEnv = process.env): Promise<ChildOutcome<T>> {
  log(`▶ ${label}`);
  const started = performance.now();
  const busyBefore = machineBusySeconds();
  const stealBefore = stealSeconds();
  return new Promise((resolve) => {
    const child = spawn(cmd, cmdArgs, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '',
      stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    let pending = '';
    // Progress passes through line by line; very long lines (a minified library quoted in a stack trace) are cut.
    const forward = (text: string) => {
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const l of lines) process.stderr.write(`${l.length > 300 ? `${l.slice(0, 300)} …` : l}\n`);
    };
    child.stderr.on('data', (d: Buffer) => {
      const t = d.toString();
      stderr += t;
      forward(t);
    });
    const finish = (code: number | null, signal: NodeJS.Signals | null, spawnError?: Error) => {
      clearTimeout(timer);
      if (pending) forward('\n');
      const seconds = (performance.now() - started) / 1000;
      const lines = stdout.split('\n');
      for (const l of lines) if (l.trim() && !l.startsWith(RESULT_MARK)) log(`  [${label} stdout] ${l}`);
      const line = lines.find((l) => l.startsWith(RESULT_MARK));
      if (line && code === 0) {
        const result = JSON.parse(line.slice(RESULT_MARK.length)) as T & { cpu_seconds?: number; other_load?: number; steal?: number };
        const stealAfter = stealSeconds();
        // Cores' worth of time the hypervisor ran other guests instead of this machine: noise no process here shows.
        if (stealBefore !== null && stealAfter !== null) result.steal = Math.round(((stealAfter - stealBefore) / seconds) * 100) / 100;
        // Cores kept busy by other processes while this peer ran: what skews its number on a shared machine.
        if (typeof result.cpu_seconds === 'number') {
          result.other_load = Math.max(0, Math.round(((machineBusySeconds() - busyBefore - result.cpu_seconds) / seconds) * 100) / 100);
        }
        resolve({ result, seconds });
        return;
      }
      const why = spawnError?.message ?? (signal ? `killed by ${signal}` : `exit code ${code}`);
      const tail = stderr
        .trim()
        .split('\n')
        .filter((l) => l.length <= 300)
        .slice(-3)
        .join(' | ');
      log(`  ✗ ${label} failed: ${why}`);
      resolve({ result: null, error: `${why}${tail ? `: ${tail}` : ''}`.slice(0, 400), seconds });
    };
    child.on('error', (e) => finish(null, null, e));
    child.on('close', (code, signal) => finish(code, signal));
  });
}

const tsChild = (file: string, task: string, extra: string[]) => [process.execPath, ['--import', 'tsx', join(peersDir, file), task, ...extra]] as const;

/** The OpenBLAS settings a Python peer runs with: null leaves the variable unset (OpenBLAS's own CPU detection). */
interface BlasSetting {
  coretype: string | null;
  l2_size: string | null;
}

/**
 * Python peers run on OpenBLAS when Debian's is installed (the system default may be the slow reference BLAS).
 * With two threads, libgomp's spinning workers and OpenBLAS's own threads fight over the two cores (PyTorch fell
 * to ~4k samples/s here), so waiting threads sleep instead (OMP_WAIT_POLICY=PASSIVE), PyTorch's best setting.
 * OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are always set or removed from `blas`, never inherited: a value left in the
 * machine's environment (or none, on a CPU OpenBLAS does not know) would pick the peer's kernel behind our back.
 */
function pythonEnv(threads: number, blas: BlasSetting): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) };
  if (threads > 1) env.OMP_WAIT_POLICY = 'PASSIVE';
  const openblasDir = '/usr/lib/x86_64-linux-gnu/openblas-pthread';
  if (existsSync(join(openblasDir, 'libblas.so.3'))) {
    env.LD_LIBRARY_PATH = [openblasDir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  }
  if (blas.coretype) env.OPENBLAS_CORETYPE = blas.coretype;
  else delete env.OPENBLAS_CORETYPE;
  if (blas.l2_size) env.OPENBLAS_L2_SIZE = blas.l2_size;
  else delete env.OPENBLAS_L2_SIZE;
  return env;
}

// ---------- the OpenBLAS kernel of the Python peers ----------

/** The CPU's feature flags as the kernel reports them (empty off Linux). */
function cpuFlags(): Set<string> {
  try {
    const m = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:\s*(.*)$/m);
    return new Set(m ? m[1].trim().split(/\s+/) : []);
  } catch {
    return new Set();
  }
}

/** The OpenBLAS core type the flags call for: SkylakeX's kernels need AVX-512 F/CD/BW/DQ/VL, Haswell's AVX2 and FMA. */
function coreTypeForFlags(flags: Set<string>): string | null {
  if (['avx512f', 'avx512cd', 'avx512bw', 'avx512dq', 'avx512vl'].every((f) => flags.has(f))) return 'SkylakeX';
  if (flags.has('avx2') && flags.has('fma')) return 'Haswell';
  return null;
}

interface BlasProbe extends BlasSetting {
  kernel: string | null;
  gflops: number | null;
  valid: boolean;
  why?: string;
}
interface BlasChoice extends BlasSetting {
  /** The kernel the chosen setting ran in the probe, and what OpenBLAS picked by itself with the variable unset. */
  kernel: string | null;
  auto_kernel: string | null;
  auto_fallback: boolean;
  cpu_candidate: string | null;
  cpu_flags: string;
  probe: string;
  probes: BlasProbe[];
  reason: string;
}

/** One probe child in the peers' environment (one thread); its BENCH_RESULT line, or why there is none. */
function probeOnce(setting: BlasSetting): { kernel: string | null; gflops: number; err: number } | { failed: string } {
  const r = spawnSync(PY, [join(peersDir, 'blasprobe.py')], { cwd: root, env: pythonEnv(1, setting), encoding: 'utf8', timeout: 60_000 });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith(RESULT_MARK));
  if (r.status !== 0 || !line) {
    const tail = (r.stderr ?? '').trim().split('\n').slice(-1)[0] ?? '';
    return { failed: `${r.signal ? `killed by ${r.signal}` : `exit code ${r.status}`}${tail ? `: ${tail.slice(0, 200)}` : ''}` };
  }
  const o = JSON.parse(line.slice(RESULT_MARK.length)) as { kernel?: string | null; gflops: number; max_rel_err: number };
  return { kernel: o.kernel ?? null, gflops: o.gflops, err: o.max_rel_err };
}

/**
 * Picks the OpenBLAS setting for the Python peers: OpenBLAS's own detection, the core type the CPU flags call for,
 * and an inherited OPENBLAS_CORETYPE are each probed twice (interleaved, best kept); a setting is valid when the
 * probe ran, computed the product right and OpenBLAS actually loaded the kernel asked for (it silently ignores a name
 * it does not know). The flags' candidate wins unless another valid setting is more than 5% faster (probe noise).
 */
function chooseOpenblas(): BlasChoice {
  const flags = cpuFlags();
  const candidate = coreTypeForFlags(flags);
  const inherited: BlasSetting = { coretype: process.env.OPENBLAS_CORETYPE || null, l2_size: process.env.OPENBLAS_L2_SIZE || null };
  const settings: BlasSetting[] = [{ coretype: null, l2_size: null }];
  if (candidate) settings.push({ coretype: candidate, l2_size: null });
  if (inherited.coretype && inherited.coretype.toLowerCase() !== candidate?.toLowerCase()) settings.push(inherited);
  const shownFlags = ['avx512f', 'avx512_bf16', 'avx2', 'fma'].filter((f) => flags.has(f)).join(' ') || 'none of avx512f/avx2/fma';
  const probes: BlasProbe[] = settings.map((s) => ({ ...s, kernel: null, gflops: null, valid: false }));
  for (let pass = 0; pass < 2; pass++) {
    for (const p of probes) {
      if (pass > 0 && !p.valid) continue;
      let r = probeOnce(p);
      // Some virtual CPUs report no L2 cache and OpenBLAS needs OPENBLAS_L2_SIZE to start at all: the inherited value.
      if ('failed' in r && !p.l2_size && inherited.l2_size) {
        const again = probeOnce({ ...p, l2_size: inherited.l2_size });
        if (!('failed' in again)) {
          p.l2_size = inherited.l2_size;
          r = again;
        }
      }
      if ('failed' in r) {
        p.why = r.failed;
        continue;
      }
      p.kernel = r.kernel;
      if (!r.kernel) {
        p.why = 'the probe found no OpenBLAS loaded';
        continue;
      }
      if (p.coretype && r.kernel.toLowerCase() !== p.coretype.toLowerCase()) {
        p.why = `OpenBLAS ignored it and ran ${r.kernel}`;
        continue;
      }
      if (!(r.err < 1e-4)) {
        p.why = `wrong product (relative error ${r.err.toExponential(2)})`;
        continue;
      }
      p.valid = true;
      p.gflops = Math.max(p.gflops ?? 0, Math.round(r.gflops * 10) / 10);
    }
  }
  const auto = probes[0];
  const valid = probes.filter((p) => p.valid);
  const preferred = valid.find((p) => p.coretype === candidate && candidate !== null) ?? null;
  const fastest = valid.reduce<BlasProbe | null>((best, p) => (!best || p.gflops! > best.gflops! ? p : best), null);
  const chosen = preferred && fastest && fastest.gflops! <= preferred.gflops! * 1.05 ? preferred : fastest;
  // Left alone, OpenBLAS would run a kernel at least 20% slower than one this CPU can run: the case this probe is for.
  const fallback = !!(chosen?.coretype && auto.valid && auto.kernel !== chosen.kernel && chosen.gflops! > 1.2 * auto.gflops!);
  const probeDesc = 'float32 matmul n=512, one thread, best of two short runs';
  const say = (p: BlasProbe) =>
    `${p.coretype ? `OPENBLAS_CORETYPE=${p.coretype}` : 'unset'} → ${p.kernel ?? '?'}${p.valid ? ` ${p.gflops} GFLOP/s` : ` (${p.why})`}`;
  let reason: string;
  if (!chosen) reason = `no setting gave a working OpenBLAS (${probes.map(say).join('; ')}): OPENBLAS_CORETYPE left unset`;
  else if (!chosen.coretype) reason = `OpenBLAS's own detection (${chosen.kernel}) was fastest: ${probes.map(say).join('; ')}`;
  else if (auto.valid && auto.kernel === chosen.kernel)
    reason = `OpenBLAS detects ${auto.kernel} by itself; set explicitly so the machine's environment cannot change it: ${probes.map(say).join('; ')}`;
  else if (fallback)
    reason = `OpenBLAS's own detection falls back to ${auto.kernel} on this CPU (flags: ${shownFlags}), ${(chosen.gflops! / auto.gflops!).toFixed(1)}× slower: ${probes.map(say).join('; ')}`;
  else
    reason = `${auto.valid ? `OpenBLAS's own detection picks ${auto.kernel}` : `OpenBLAS's own detection failed (${auto.why})`} on this CPU (flags: ${shownFlags}): ${probes.map(say).join('; ')}`;
  if (inherited.coretype && inherited.coretype !== chosen?.coretype) reason += ` (the machine's own OPENBLAS_CORETYPE=${inherited.coretype} is overridden)`;
  return {
    coretype: chosen?.coretype ?? null,
    l2_size: chosen?.l2_size ?? null,
    kernel: chosen?.kernel ?? null,
    auto_kernel: auto.kernel,
    auto_fallback: fallback,
    cpu_candidate: candidate,
    cpu_flags: shownFlags,
    probe: probeDesc,
    probes,
    reason,
  };
}

function pythonHas(module: string): boolean {
  if (!existsSync(PY)) return false;
  const probe = spawnSyncQuiet(PY, ['-c', `import ${module}`]);
  return probe === 0;
}

function spawnSyncQuiet(cmd: string, cmdArgs: string[]): number | null {
  const r = spawnSync(cmd, cmdArgs, { stdio: 'ignore', timeout: 60_000 });
  return r.status;
}

// ---------- best of rounds ----------

/** The faster of two MLP runs, remembering every round's throughput. */
function bestMlp(prev: MlpResult | null, next: MlpResult | null): MlpResult | null {
  if (!prev || !next) return prev ?? next;
  const all = [...((prev.rounds_samples_per_s as number[] | undefined) ?? [prev.samples_per_s]), next.samples_per_s];
  const best = next.samples_per_s > prev.samples_per_s ? next : prev;
  return { ...best, rounds_samples_per_s: all };
}

/** Per size, the faster of two matmul runs (other fields from the later run). */
function bestMatmul(prev: MatmulResult | null, next: MatmulResult | null): MatmulResult | null {
  if (!prev || !next) return prev ?? next;
  const out: MatmulResult = {
    ...next,
    gflops: { ...next.gflops },
    best_ms: { ...next.best_ms },
    reps: { ...next.reps },
    max_rel_err: Math.max(prev.max_rel_err, next.max_rel_err),
    other_load: Math.max(Number(prev.other_load ?? 0), Number(next.other_load ?? 0)),
    steal: Math.max(Number(prev.steal ?? 0), Number(next.steal ?? 0)),
  };
  for (const n of Object.keys(prev.gflops)) {
    if (!(n in next.gflops) || prev.gflops[n] > next.gflops[n]) {
      out.gflops[n] = prev.gflops[n];
      out.best_ms[n] = prev.best_ms[n];
      out.reps[n] = prev.reps[n];
    }
  }
  return out;
}

// ---------- the run ----------

type MlpPeer = 'andon_1t' | 'andon_2t' | 'tfjs_wasm' | 'pytorch_1t' | 'pytorch_2t' | 'plain_js';
type MatmulPeer = 'andon_1t' | 'andon_2t' | 'tfjs_wasm' | 'numpy_1t';
type PeerId = MlpPeer | MatmulPeer;
const wanted = (id: PeerId) => !only || only.includes(id);

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  node: process.version,
  platform: `${platform()} ${release()} ${arch()}`,
  memory_gb: Math.round(totalmem() / 2 ** 30),
  openblas_coretype_env: process.env.OPENBLAS_CORETYPE ?? null,
  openblas_l2_size_env: process.env.OPENBLAS_L2_SIZE ?? null,
  load_average_1m_at_start: Math.round(loadavg()[0] * 100) / 100,
  load_average_1m_at_end: null as number | null,
};

const workDir = mkdtempSync(join(tmpdir(), 'andon-bench-'));
const dataPrefix = join(workDir, 'mlp');
const benchStart = performance.now();
let exitCode = 0;
try {
  writeDataSet(dataPrefix, makeDataSet(config));
  // Fast peers (an epoch in about a second) time three epochs and keep the best, which steadies them on a shared
  // machine; slow ones (tfjs, plain JS: ten seconds and more) time one. --epochs N sets it for the fast ones.
  const fastEpochs = args.has('epochs') ? config.epochs : 3;
  const rounds = Math.max(1, Number(args.get('rounds') ?? '2'));
  const mlpArgs = ['--data', dataPrefix, ...configToArgs({ ...config, epochs: fastEpochs })];
  const slowMlpArgs = ['--data', dataPrefix, ...configToArgs({ ...config, epochs: 1 })];

  const mlp: Record<MlpPeer, MlpResult | null> = { andon_1t: null, andon_2t: null, tfjs_wasm: null, pytorch_1t: null, pytorch_2t: null, plain_js: null };
  const matmul: Record<MatmulPeer, MatmulResult | null> = { andon_1t: null, andon_2t: null, tfjs_wasm: null, numpy_1t: null };
  const errors: Record<string, string> = {};
  const keep = <T>(key: string, o: ChildOutcome<T>): T | null => {
    if (o.error) errors[key] = o.error;
    const r = o.result as (T & { unavailable?: boolean; note?: string }) | null;
    if (r?.unavailable) {
      notes.push(`${key}: ${r.note ?? 'unavailable'}`);
      return null;
    }
    return r;
  };

  const andonEnv = (threads: number): NodeJS.ProcessEnv => ({ ...process.env, ANDON_THREADS: String(threads) });
  const hasTorch = (wanted('pytorch_1t') || wanted('pytorch_2t')) && pythonHas('torch');
  if (!hasTorch && (wanted('pytorch_1t') || wanted('pytorch_2t'))) notes.push(`PyTorch: \`${PY} -c 'import torch'\` failed; its rows are null`);
  const hasNumpy = wanted('numpy_1t') && pythonHas('numpy');
  if (wanted('numpy_1t') && !hasNumpy) notes.push(`numpy: \`${PY} -c 'import numpy'\` failed; its rows are null`);
  let blasChoice: BlasChoice | null = null;
  if (hasTorch || hasNumpy) {
    log('▶ OpenBLAS probe: which kernel the Python peers get');
    blasChoice = chooseOpenblas();
    log(`  OPENBLAS_CORETYPE=${blasChoice.coretype ?? '(unset)'} → ${blasChoice.kernel ?? '?'}: ${blasChoice.reason}`);
  }
  const blas: BlasSetting = { coretype: blasChoice?.coretype ?? null, l2_size: blasChoice?.l2_size ?? null };

  // The fast peers run in `rounds` interleaved rounds (Andon, PyTorch, numpy, Andon, PyTorch, numpy, ...) and keep
  // each one's best round, so a burst of other load hurts no peer alone.
  for (let round = 1; round <= rounds; round++) {
    const tag = rounds > 1 ? ` [round ${round}/${rounds}]` : '';
    for (const threads of [1, 2] as const) {
      const id = `andon_${threads}t` as const;
      if (!wanted(id)) continue;
      const [cmd, a1] = tsChild('andon.ts', 'mlp', ['--threads', String(threads), ...mlpArgs]);
      mlp[id] = bestMlp(
        mlp[id],
        keep(`mlp.${id}`, await runChild<MlpResult>(`Andon ${threads} thread(s): MLP training${tag}`, cmd, [...a1], andonEnv(threads))),
      );
    }
    for (const threads of [1, 2] as const) {
      const id = `pytorch_${threads}t` as const;
      if (!hasTorch || !wanted(id)) continue;
      mlp[id] = bestMlp(
        mlp[id],
        keep(
          `mlp.${id}`,
          await runChild<MlpResult>(
            `PyTorch CPU ${threads} thread(s): MLP training${tag}`,
            PY,
            [join(peersDir, 'torch_mlp.py'), 'mlp', '--threads', String(threads), ...mlpArgs],
            pythonEnv(threads, blas),
          ),
        ),
      );
    }
    for (const threads of [1, 2] as const) {
      const id = `andon_${threads}t` as const;
      if (!wanted(id)) continue;
      const [cmd, a] = tsChild('andon.ts', 'matmul', ['--threads', String(threads)]);
      matmul[id] = bestMatmul(
        matmul[id],
        keep(`matmul.${id}`, await runChild<MatmulResult>(`Andon ${threads} thread(s): matmul${tag}`, cmd, [...a], andonEnv(threads))),
      );
    }
    if (hasNumpy) {
      const o = await runChild<MatmulResult>(`numpy (1 thread): matmul${tag}`, PY, [join(peersDir, 'numpy_matmul.py')], pythonEnv(1, blas));
      matmul.numpy_1t = bestMatmul(matmul.numpy_1t, keep('matmul.numpy_1t', o));
    }
  }

  if (wanted('tfjs_wasm')) {
    const [cmd, a1] = tsChild('tfjs.ts', 'mlp', slowMlpArgs);
    mlp.tfjs_wasm = keep('mlp.tfjs_wasm', await runChild<MlpResult>('TensorFlow.js WASM: MLP training', cmd, [...a1]));
    const [cmd2, a2] = tsChild('tfjs.ts', 'matmul', []);
    matmul.tfjs_wasm = keep('matmul.tfjs_wasm', await runChild<MatmulResult>('TensorFlow.js WASM: matmul', cmd2, [...a2]));
  }

  if (wanted('plain_js')) {
    const [cmd, a1] = tsChild('plainjs.ts', 'mlp', slowMlpArgs);
    mlp.plain_js = keep('mlp.plain_js', await runChild<MlpResult>('plain JavaScript: MLP training', cmd, [...a1]));
  }

  // ---------- report ----------
  machine.load_average_1m_at_end = Math.round(loadavg()[0] * 100) / 100;
  const sps = (id: MlpPeer) => mlp[id]?.samples_per_s ?? null;
  const gf = (id: MatmulPeer, n: number) => matmul[id]?.gflops[n] ?? null;
  const div = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : a / b);
  const ratios = {
    andon_vs_pytorch: div(sps('andon_1t'), sps('pytorch_1t')),
    andon_vs_tfjs_wasm: div(sps('andon_1t'), sps('tfjs_wasm')),
    andon_matmul_gflops_512: gf('andon_1t', 512),
    andon_2t_vs_pytorch_2t: div(sps('andon_2t'), sps('pytorch_2t')),
    andon_vs_plain_js: div(sps('andon_1t'), sps('plain_js')),
    andon_2t_vs_1t: div(sps('andon_2t'), sps('andon_1t')),
    andon_matmul_vs_numpy_512: div(gf('andon_1t', 512), gf('numpy_1t', 512)),
    andon_matmul_vs_tfjs_wasm_512: div(gf('andon_1t', 512), gf('tfjs_wasm', 512)),
  };

  const backend = (mlp.andon_1t?.backend ?? matmul.andon_1t?.backend ?? null) as string | null;
  if (backend === 'ts') notes.push("Andon ran on the plain TypeScript kernels ('ts'): the WASM kernels were not available");
  type PeerBlas = { kind?: string; corename?: string } | null;
  const torchBlas = (mlp.pytorch_1t?.blas ?? mlp.pytorch_2t?.blas ?? null) as PeerBlas;
  const numpyBlas = (matmul.numpy_1t?.blas ?? null) as PeerBlas;
  for (const [who, peerBlas] of [
    ['PyTorch', torchBlas],
    ['numpy', numpyBlas],
  ] as const) {
    if (peerBlas && peerBlas.kind !== 'openblas') {
      notes.push(`${who} ran on ${peerBlas.kind} BLAS, not OpenBLAS: its numbers understate it (apt-get install libopenblas0-pthread)`);
    } else if (peerBlas && blasChoice?.kernel && peerBlas.corename !== blasChoice.kernel) {
      notes.push(`${who} ran OpenBLAS's ${peerBlas.corename} kernel, not the ${blasChoice.kernel} the probe chose`);
    }
  }
  if (blasChoice?.auto_fallback) notes.push(`Python peers: ${blasChoice.reason}; they ran with OPENBLAS_CORETYPE=${blasChoice.coretype}`);
  else if (blasChoice && !blasChoice.kernel) notes.push(`Python peers: ${blasChoice.reason}`);
  const peerKernel = (peerBlas: PeerBlas) => ({ coretype: blas.coretype, l2_size: blas.l2_size, kernel: peerBlas?.corename ?? null });
  for (const id of ['andon_1t', 'andon_2t', 'tfjs_wasm'] as const) {
    const err = matmul[id]?.max_rel_err;
    if (err !== undefined && err > 1e-4) notes.push(`matmul ${id}: sampled relative error ${err.toExponential(2)} is too large`);
  }
  for (const [kind, results] of [
    ['mlp', mlp],
    ['matmul', matmul],
  ] as const) {
    for (const [id, r] of Object.entries(results)) {
      const busy = Number(r?.other_load ?? 0) + Number(r?.steal ?? 0);
      if (busy > 0.25) notes.push(`${kind} ${id}: other processes or guests took ${busy.toFixed(2)} cores meanwhile: its number is low`);
    }
  }
  for (const [id, r] of Object.entries(mlp)) {
    if (r && !(r.loss_last < r.loss_first)) notes.push(`mlp ${id}: loss did not fall over the epoch (${r.loss_first.toFixed(3)} → ${r.loss_last.toFixed(3)})`);
  }

  const report = {
    bench: 'engine',
    date: new Date().toISOString(),
    machine,
    andon: {
      backend,
      threads_2t: mlp.andon_2t?.threads ?? matmul.andon_2t?.threads ?? null,
      thread_mechanism_2t: mlp.andon_2t?.thread_mechanism ?? null,
    },
    workload: {
      mlp:
        `${config.features}→${config.hidden}→${config.hidden}→${config.classes} ReLU, softmax cross-entropy, ` +
        `SGD lr ${config.lr} momentum ${config.momentum}, batch ${config.batch}`,
      rows: config.rows,
      steps_per_epoch: stepsPerEpoch(config),
      warmup_steps: config.warmupSteps,
      epochs_timed: { andon: fastEpochs, pytorch: fastEpochs, tfjs_wasm: 1, plain_js: 1 },
      rounds: { andon: rounds, pytorch: rounds, numpy: rounds, tfjs_wasm: 1, plain_js: 1 },
      matmul: `square float32 C = A·B, n ∈ {${matmulSizes.join(', ')}}, best of several after a warm-up, GFLOP/s = 2n³/t`,
    },
    mlp_train: mlp,
    matmul,
    peers: {
      tfjs: mlp.tfjs_wasm ? { version: mlp.tfjs_wasm.version, threads: mlp.tfjs_wasm.threads, simd: mlp.tfjs_wasm.simd } : null,
      pytorch: mlp.pytorch_1t || mlp.pytorch_2t ? { version: (mlp.pytorch_1t ?? mlp.pytorch_2t)!.version, ...peerKernel(torchBlas), blas: torchBlas } : null,
      numpy: matmul.numpy_1t ? { version: matmul.numpy_1t.version, ...peerKernel(numpyBlas), blas: numpyBlas } : null,
    },
    openblas: blasChoice,
    ratios,
    errors,
    notes,
    seconds: Math.round((performance.now() - benchStart) / 100) / 10,
  };

  const table = renderTable(mlp, matmul, ratios, report);
  if (asJson) {
    process.stderr.write(table);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    process.stdout.write(table);
  }
} catch (e) {
  exitCode = 1;
  log(`bench failed: ${(e as Error).stack ?? e}`);
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
process.exitCode = exitCode;

// ---------- the table ----------

function renderTable(
  mlp: Record<MlpPeer, MlpResult | null>,
  matmul: Record<MatmulPeer, MatmulResult | null>,
  ratios: Record<string, number | null>,
  report: {
    machine: typeof machine;
    andon: { backend: string | null };
    peers: Record<string, unknown>;
    openblas: BlasChoice | null;
    notes: string[];
    seconds: number;
  },
): string {
  const num = (v: number | null | undefined, digits = 0) =>
    v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const x = (v: number | null) => (v === null ? '—' : `${v.toFixed(2)}×`);
  const cols = ['what', 'Andon 1t', 'Andon 2t', 'tfjs-wasm', 'PyTorch 1t', 'PyTorch 2t', 'numpy 1t', 'plain JS', 'ratio'];
  const rows: string[][] = [];
  const sps = (id: MlpPeer) => num(mlp[id]?.samples_per_s);
  rows.push([
    'MLP train, samples/s',
    sps('andon_1t'),
    sps('andon_2t'),
    sps('tfjs_wasm'),
    sps('pytorch_1t'),
    sps('pytorch_2t'),
    '',
    sps('plain_js'),
    `${x(ratios.andon_vs_pytorch)} PyTorch, ${x(ratios.andon_vs_tfjs_wasm)} tfjs, 2t: ${x(ratios.andon_2t_vs_pytorch_2t)} PyTorch 2t`,
  ]);
  const loss = (id: MlpPeer) => (mlp[id] ? `${mlp[id]!.loss_first.toFixed(2)}→${mlp[id]!.loss_last.toFixed(2)}` : '—');
  rows.push([
    '  loss first→last batch',
    loss('andon_1t'),
    loss('andon_2t'),
    loss('tfjs_wasm'),
    loss('pytorch_1t'),
    loss('pytorch_2t'),
    '',
    loss('plain_js'),
    '',
  ]);
  const other = (r: Record<string, unknown> | null) => (typeof r?.other_load === 'number' ? r.other_load.toFixed(2) : '—');
  rows.push([
    "  others' load, cores",
    other(mlp.andon_1t),
    other(mlp.andon_2t),
    other(mlp.tfjs_wasm),
    other(mlp.pytorch_1t),
    other(mlp.pytorch_2t),
    '',
    other(mlp.plain_js),
    'CPU other processes used meanwhile',
  ]);
  const steal = (r: Record<string, unknown> | null) => (typeof r?.steal === 'number' ? r.steal.toFixed(2) : '—');
  rows.push([
    '  hypervisor steal, cores',
    steal(mlp.andon_1t),
    steal(mlp.andon_2t),
    steal(mlp.tfjs_wasm),
    steal(mlp.pytorch_1t),
    steal(mlp.pytorch_2t),
    '',
    steal(mlp.plain_js),
    'CPU other guests took meanwhile',
  ]);
  // The kernel each Python peer reported from inside its own process, so a silent fallback shows in the table.
  const kernel = (r: Record<string, unknown> | null) =>
    r ? String((r.blas as { corename?: string } | undefined)?.corename ?? (r.blas as { kind?: string } | undefined)?.kind ?? '?') : '';
  const ob = report.openblas;
  rows.push([
    'OpenBLAS kernel',
    '',
    '',
    '',
    kernel(mlp.pytorch_1t),
    kernel(mlp.pytorch_2t),
    kernel(matmul.numpy_1t),
    '',
    ob ? `OPENBLAS_CORETYPE=${ob.coretype ?? '(unset)'}${ob.auto_kernel && ob.auto_kernel !== ob.kernel ? `; unset it runs ${ob.auto_kernel}` : ''}` : '',
  ]);
  for (const n of matmulSizes) {
    const g = (id: MatmulPeer) => num(matmul[id]?.gflops[n], 1);
    const a = matmul.andon_1t?.gflops[n] ?? null;
    const vs = (id: MatmulPeer) => {
      const p = matmul[id]?.gflops[n];
      return a === null || !p ? null : a / p;
    };
    rows.push([
      `matmul ${n}, GFLOP/s`,
      g('andon_1t'),
      g('andon_2t'),
      g('tfjs_wasm'),
      '',
      '',
      g('numpy_1t'),
      '',
      `${x(vs('numpy_1t'))} numpy, ${x(vs('tfjs_wasm'))} tfjs`,
    ]);
  }
  rows.push(["  others' load, cores", other(matmul.andon_1t), other(matmul.andon_2t), other(matmul.tfjs_wasm), '', '', other(matmul.numpy_1t), '', '']);
  rows.push(['  hypervisor steal, cores', steal(matmul.andon_1t), steal(matmul.andon_2t), steal(matmul.tfjs_wasm), '', '', steal(matmul.numpy_1t), '', '']);
  const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === 0 || i === r.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  const out = [
    `Andon engine benchmark — backend ${report.andon.backend ?? '?'}, ${report.machine.cpu} (${report.machine.cores} cores), node ${report.machine.node}`,
    '',
    line(cols),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    `ratios: ${Object.entries(ratios)
      .map(([k, v]) => `${k}=${v === null ? 'null' : v.toFixed(3)}`)
      .join(', ')}`,
    ...(report.openblas
      ? [
          `OpenBLAS for the Python peers: OPENBLAS_CORETYPE=${report.openblas.coretype ?? '(unset)'} → ${report.openblas.kernel ?? '?'}; ${report.openblas.reason} (probe: ${report.openblas.probe})`,
        ]
      : []),
    `peers: ${JSON.stringify(report.peers)}`,
    ...report.notes.map((n) => `note: ${n}`),
    `(${report.seconds}s)`,
    '',
  ];
  return out.join('\n') + '\n';
}
