// Training checkpoints: model weights, optimizer slots, best weights and loop state in one safetensors file, written atomically,
// private to the owner (0600 files in 0700 folders) and sealed at rest when the caller gives a cipher (the service does: src/ml holds no keys).
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import * as E from '../engine/index.js';
import type { EpochRecord } from './trainer.js';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';
const FORMAT = 'andon-checkpoint/1';

export interface NamedArray {
  shape: number[];
  data: Float32Array;
}
export type StateSnapshot = Map<string, NamedArray>;

/** The training loop's own state at the end of an epoch: enough to continue as if never stopped. */
export interface LoopState {
  /** Epochs completed. */
  epoch: number;
  /** Optimizer steps taken, which also drives the learning-rate schedule and Adam's bias correction. */
  stepCount: number;
  history: EpochRecord[];
  bestEpoch: number;
  bestScore: number | null;
  /** Epochs since the best one, for early stopping's patience. */
  sinceBest: number;
}

export interface Checkpoint {
  /** Identifies the run (spec, seed, batching, optimizer); a checkpoint of another run is not resumed. */
  fingerprint: string;
  loop: LoopState;
  model: StateSnapshot;
  /** Optimizer slots per parameter, in the optimizer's parameter order. */
  optimizer: NamedArray[][];
  best: StateSnapshot;
  /** The running average of the weights, per parameter in the optimizer's order, when training averages them. */
  average?: { steps: number; arrays: NamedArray[] };
}

/** Seals checkpoint bytes before they reach the disk and opens them when read; `open` throws for bytes it did not seal. */
export interface CheckpointCipher {
  seal(plain: Uint8Array): Uint8Array;
  open(sealed: Uint8Array): Uint8Array;
}

/** Where a checkpoint lives: a folder, or a folder and the cipher its file is sealed with. */
export type CheckpointTarget = string | { dir: string; cipher?: CheckpointCipher };

function targetOf(t: CheckpointTarget): { dir: string; cipher?: CheckpointCipher } {
  return typeof t === 'string' ? { dir: t } : t;
}

export type LoadResult = { status: 'missing' } | { status: 'invalid'; reason: string } | { status: 'ok'; checkpoint: Checkpoint };

/**
 * The model's parameters and buffers: a detached copy, or (copy = false) views of the live storage for
 * writing a checkpoint, which encodes them before the first await.
 */
export function snapshotState(model: E.Module, copy = true): StateSnapshot {
  const out: StateSnapshot = new Map();
  for (const [k, t] of model.stateDict()) out.set(k, { shape: [...t.shape], data: copy ? t.data.slice() : t.data });
  return out;
}

/** Why a snapshot cannot be loaded into the model, or null when names and shapes all agree. */
export function snapshotMismatch(model: E.Module, snap: StateSnapshot): string | null {
  const own = model.stateDict();
  if (own.size !== snap.size) return `the checkpoint has ${snap.size} tensors, the model ${own.size}`;
  for (const [k, t] of own) {
    const s = snap.get(k);
    if (!s) return `the checkpoint lacks ${k}`;
    if (!sameShape(s.shape, t.shape)) return `${k} has shape [${s.shape}] in the checkpoint, [${t.shape}] in the model`;
  }
  return null;
}

/** Why the optimizer slots cannot be restored, or null. */
export function optimizerMismatch(optimizer: E.Optimizer, slots: NamedArray[][]): string | null {
  const own = optimizer.stateTensors();
  if (own.length !== slots.length) return `the checkpoint has optimizer state for ${slots.length} parameters, the model ${own.length}`;
  for (let i = 0; i < own.length; i++) {
    if (own[i].length !== slots[i].length) return `parameter ${i} has ${slots[i].length} optimizer slots in the checkpoint, ${own[i].length} now`;
    for (let j = 0; j < own[i].length; j++) {
      if (!sameShape(own[i][j].shape, slots[i][j].shape)) return `optimizer slot ${i}.${j} has a different shape`;
    }
  }
  return null;
}

/** Copies saved slots into the optimizer's (call optimizerMismatch first). */
export function restoreOptimizer(optimizer: E.Optimizer, slots: NamedArray[][], stepCount: number): void {
  optimizer.stateTensors().forEach((ts, i) => ts.forEach((t, j) => t.data.set(slots[i][j].data)));
  optimizer.stepCount = stepCount;
}

export function optimizerSlots(optimizer: E.Optimizer): NamedArray[][] {
  return optimizer.stateTensors().map((ts) => ts.map((t) => ({ shape: [...t.shape], data: t.data })));
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function checkpointPath(dir: string): string {
  return join(dir, CHECKPOINT_FILE);
}

/**
 * Writes the checkpoint so that a reader sees either the previous file or the new one, never a torn one:
 * a temporary file in the same directory (rename is atomic only within a file system), fsync, rename.
 */
export async function saveCheckpoint(target: CheckpointTarget, c: Checkpoint): Promise<void> {
  const { dir, cipher } = targetOf(target);
  const tensors = new Map<string, NamedArray>();
  for (const [k, v] of c.model) tensors.set(`model/${k}`, v);
  for (const [k, v] of c.best) tensors.set(`best/${k}`, v);
  c.optimizer.forEach((slots, i) => slots.forEach((s, j) => tensors.set(`optim/${i}/${j}`, s)));
  c.average?.arrays.forEach((a, i) => tensors.set(`average/${i}`, a));
  const metadata = {
    format: FORMAT,
    fingerprint: c.fingerprint,
    loop: JSON.stringify(c.loop),
    optimizer: JSON.stringify(c.optimizer.map((s) => s.length)),
    ...(c.average ? { average: JSON.stringify({ steps: c.average.steps, count: c.average.arrays.length }) } : {}),
  };
  const bytes = E.encodeSafetensors(tensors, metadata);
  await writeFileAtomic(checkpointPath(dir), cipher ? cipher.seal(bytes) : bytes);
}

export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  // The rename itself is durable only once the directory entry is flushed; not every platform allows it.
  try {
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    /* best effort (Windows cannot fsync a directory) */
  }
}

/** Reads and validates the checkpoint in `dir`; never throws for a damaged (or foreign-sealed) file, it reports why instead. */
export async function loadCheckpoint(target: CheckpointTarget): Promise<LoadResult> {
  const { dir, cipher } = targetOf(target);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(checkpointPath(dir));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
    return { status: 'invalid', reason: `cannot read ${checkpointPath(dir)}: ${(e as Error).message}` };
  }
  try {
    return { status: 'ok', checkpoint: parse(cipher ? cipher.open(bytes) : bytes) };
  } catch (e) {
    return { status: 'invalid', reason: (e as Error).message };
  }
}

function parse(bytes: Uint8Array): Checkpoint {
  const { tensors, metadata } = E.decodeSafetensors(bytes);
  if (metadata.format !== FORMAT) throw new Error(`not an Andon checkpoint (format ${JSON.stringify(metadata.format)})`);
  const loop = JSON.parse(metadata.loop ?? 'null') as LoopState;
  if (
    !loop ||
    !Number.isInteger(loop.epoch) ||
    loop.epoch < 0 ||
    !Number.isInteger(loop.stepCount) ||
    !Array.isArray(loop.history) ||
    loop.history.length !== loop.epoch ||
    !Number.isInteger(loop.bestEpoch) ||
    !Number.isInteger(loop.sinceBest)
  ) {
    throw new Error('the checkpoint loop state is malformed');
  }
  const slotCounts = JSON.parse(metadata.optimizer ?? 'null') as number[];
  if (!Array.isArray(slotCounts) || !slotCounts.every((n) => Number.isInteger(n) && n >= 0)) throw new Error('the checkpoint optimizer layout is malformed');
  const model: StateSnapshot = new Map(),
    best: StateSnapshot = new Map();
  for (const [name, t] of tensors) {
    if (name.startsWith('model/')) model.set(name.slice(6), t);
    else if (name.startsWith('best/')) best.set(name.slice(5), t);
  }
  const optimizer = slotCounts.map((n, i) =>
    Array.from({ length: n }, (_, j) => {
      const t = tensors.get(`optim/${i}/${j}`);
      if (!t) throw new Error(`the checkpoint lacks optimizer slot ${i}.${j}`);
      return t;
    }),
  );
  let average: Checkpoint['average'];
  if (metadata.average) {
    const a = JSON.parse(metadata.average) as { steps: number; count: number };
    if (!Number.isInteger(a?.steps) || !Number.isInteger(a?.count)) throw new Error('the checkpoint weight average is malformed');
    average = {
      steps: a.steps,
      arrays: Array.from({ length: a.count }, (_, i) => {
        const t = tensors.get(`average/${i}`);
        if (!t) throw new Error(`the checkpoint lacks weight average ${i}`);
        return t;
      }),
    };
  }
  return { fingerprint: metadata.fingerprint ?? '', loop, model, optimizer, best, ...(average ? { average } : {}) };
}

/**
 * Loads a checkpoint of this run into the model and optimizer. Everything is checked before anything is
 * written, so an ignored checkpoint leaves both untouched.
 */
export async function resumeFrom(
  target: CheckpointTarget,
  fingerprint: string,
  model: E.Module,
  optimizer: E.Optimizer,
): Promise<
  { status: 'fresh' } | { status: 'ignored'; reason: string } | { status: 'resumed'; loop: LoopState; best: StateSnapshot; average?: Checkpoint['average'] }
> {
  const r = await loadCheckpoint(target);
  if (r.status === 'missing') return { status: 'fresh' };
  if (r.status === 'invalid') return { status: 'ignored', reason: r.reason };
  const c = r.checkpoint;
  const why =
    c.fingerprint !== fingerprint
      ? 'it was written for a different model spec or training setup'
      : (snapshotMismatch(model, c.model) ?? snapshotMismatch(model, c.best) ?? optimizerMismatch(optimizer, c.optimizer));
  if (why) return { status: 'ignored', reason: why };
  model.loadStateDict(c.model);
  restoreOptimizer(optimizer, c.optimizer, c.loop.stepCount);
  return { status: 'resumed', loop: c.loop, best: c.best, ...(c.average ? { average: c.average } : {}) };
}

/** What identifies a run, as JSON with sorted keys so equal specs written in another key order match. */
export function runFingerprint(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(runFingerprint).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${runFingerprint(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
