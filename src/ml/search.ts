// Hyper-parameter search: random configurations from a declared space, narrowed by successive halving over epoch budgets.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from '../engine/index.js';
import { AndonError, isAndonError } from '../errors.js';
import type { SpecModel } from './spec.js';
import { train, deriveSeed, type EpochRecord, type Objective, type TrainOptions, type TrainingSet } from './trainer.js';

/** One hyper-parameter's range, as data so a job spec or the dashboard can declare it. */
export type Domain =
  | { type: 'log_uniform'; min: number; max: number }
  | { type: 'uniform'; min: number; max: number }
  | { type: 'int'; min: number; max: number } // both ends included
  | { type: 'choice'; values: readonly (number | string | boolean)[] };
export type SearchSpace = Record<string, Domain>;
export type Config = Record<string, number | string | boolean>;

/** What a configuration turns into. Epochs, checkpoints and cancellation are the search's to set. */
export interface BuiltTrial {
  model: SpecModel;
  trainOptions: Omit<TrainOptions, 'epochs' | 'checkpoint' | 'signal' | 'seed'> & { seed?: number };
}

export interface SearchOptions {
  space: SearchSpace;
  /** Called again for a configuration at each halving rung; it must build the same spec each time. */
  build: (config: Config, trial: { index: number; seed: number }) => BuiltTrial;
  data: TrainingSet;
  validation: TrainingSet;
  objective: Objective;
  seed: number;
  /** Configurations to sample. */
  trials: number;
  /** The most epochs any configuration trains. */
  maxEpochs: number;
  /** 'random' trains every configuration for maxEpochs; 'halving' (the default) keeps the best 1/eta per rung. */
  strategy?: 'halving' | 'random';
  eta?: number;
  /** The first rung's budget; by default small enough that the rungs run down to one configuration. */
  minEpochs?: number;
  /** Wall-clock limit; the training under way when it runs out is cancelled. Results then depend on speed. */
  timeBudgetSeconds?: number;
  /** Lower validation loss by default; or a key of trainOptions.validationMetric's result. */
  score?: { metric: 'validation_loss' } | { metric: string; mode: 'min' | 'max' };
  signal?: AbortSignal;
  /**
   * Where per-trial checkpoints live between rungs (default: a temporary directory, removed at the end).
   * A given directory is kept, which makes a search with the same seed resumable after a crash.
   */
  workDir?: string;
  onTrial?: (entry: LeaderboardEntry) => void;
}

export interface LeaderboardEntry {
  trial: number;
  config: Config;
  /** The best value of the score over the epochs trained (the weights early stopping keeps). */
  score: number;
  /** Epochs this configuration trained in all. */
  epochs: number;
  /** The halving rung it reached (0 = first); later rungs rank first, as they won the earlier ones. */
  rung: number;
  /** Why the configuration failed (diverged, invalid spec); it then ranks last. */
  error?: string;
}

export interface SearchResult {
  /** Best first. */
  leaderboard: LeaderboardEntry[];
  best: LeaderboardEntry | null;
  /** Epochs trained over all configurations: what the search cost. */
  epochsSpent: number;
  stopped: 'completed' | 'time_budget' | 'cancelled';
}

export function sampleConfig(space: SearchSpace, rng: E.Rng): Config {
  const out: Config = {};
  for (const name of Object.keys(space).sort()) {
    // sorted, so declaration order does not change the draws
    const d = space[name];
    switch (d.type) {
      case 'log_uniform':
        out[name] = Math.exp(rng.range(Math.log(d.min), Math.log(d.max)));
        break;
      case 'uniform':
        out[name] = rng.range(d.min, d.max);
        break;
      case 'int':
        out[name] = d.min + rng.int(d.max - d.min + 1);
        break;
      case 'choice':
        out[name] = d.values[rng.int(d.values.length)];
        break;
    }
  }
  return out;
}

/** Epoch budgets per rung: minEpochs, ×eta, …, capped at maxEpochs (the last survivor always gets maxEpochs). */
export function halvingBudgets(trials: number, maxEpochs: number, eta: number, minEpochs?: number): number[] {
  let rungs = 1;
  for (let n = eta; n <= trials; n *= eta) rungs++;
  const first = minEpochs ?? Math.max(1, Math.floor(maxEpochs / eta ** (rungs - 1)));
  const out = [Math.min(first, maxEpochs)];
  while (out[out.length - 1] < maxEpochs) out.push(Math.min(maxEpochs, Math.ceil(out[out.length - 1] * eta)));
  return out;
}

interface TrialState {
  entry: LeaderboardEntry | null;
  history: EpochRecord[];
  done: boolean;
}

/**
 * Samples `trials` configurations and trains them rung by rung: each rung trains the survivors up to its
 * epoch budget (continuing from their checkpoints, so no epoch is trained twice) and keeps the best 1/eta.
 * Deterministic for a seed when there is no time budget.
 */
export async function search(o: SearchOptions): Promise<SearchResult> {
  checkOptions(o);
  const eta = o.eta ?? 3;
  const score = o.score ?? { metric: 'validation_loss' };
  const maximize = 'mode' in score && score.mode === 'max';
  const budgets = o.strategy === 'random' ? [o.maxEpochs] : halvingBudgets(o.trials, o.maxEpochs, eta, o.minEpochs);
  const rng = new E.Rng(deriveSeed(o.seed, 0x5ea6c4));
  const configs = Array.from({ length: o.trials }, () => sampleConfig(o.space, rng));
  const states: TrialState[] = configs.map(() => ({ entry: null, history: [], done: false }));

  const stop = new AbortController();
  let stopped: SearchResult['stopped'] = 'completed';
  const onAbort = (): void => {
    stopped = 'cancelled';
    stop.abort();
  };
  if (o.signal?.aborted) onAbort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const timer =
    o.timeBudgetSeconds === undefined
      ? null
      : setTimeout(() => {
          stopped = 'time_budget';
          stop.abort();
        }, o.timeBudgetSeconds * 1000);
  timer?.unref();
  const ownDir = budgets.length > 1 && !o.workDir ? await mkdtemp(join(tmpdir(), 'andon-search-')) : null;
  const workDir = o.workDir ?? ownDir;
  let epochsSpent = 0;

  try {
    let alive = configs.map((_, i) => i);
    for (let rung = 0; rung < budgets.length && alive.length > 0; rung++) {
      const budget = rung < budgets.length - 1 && alive.length === 1 ? o.maxEpochs : budgets[rung];
      for (const i of alive) {
        if (stop.signal.aborted) break;
        const s = states[i];
        if (s.done && s.entry) {
          s.entry.rung = rung;
          continue;
        } // early-stopped: nothing left to train
        const seed = deriveSeed(o.seed, i, 0x7a1a1);
        try {
          const built = o.build(configs[i], { index: i, seed });
          const r = await train(built.model, o.data, o.validation, o.objective, {
            ...built.trainOptions,
            seed: built.trainOptions.seed ?? seed,
            epochs: budget,
            signal: stop.signal,
            ...(workDir && budgets.length > 1 ? { checkpoint: { dir: join(workDir, `trial-${i}`), everyEpochs: budget } } : {}),
          });
          epochsSpent += r.epochsRun - s.history.length;
          if (r.reason === 'cancelled') break;
          s.history = r.history;
          s.done = r.reason === 'early_stopped';
          s.entry = { trial: i, config: configs[i], score: bestScore(r.history, score.metric, maximize), epochs: r.epochsRun, rung };
        } catch (e) {
          if (!isAndonError(e)) throw e;
          // A diverged run reports its epoch; the epochs before it were trained and count as spent.
          const at = e.details.epoch;
          if (typeof at === 'number') epochsSpent += Math.max(0, at - 1 - s.history.length);
          s.done = true;
          s.entry = { trial: i, config: configs[i], score: maximize ? -Infinity : Infinity, epochs: s.history.length, rung, error: e.message };
        }
        o.onTrial?.(s.entry);
      }
      if (stop.signal.aborted || budget >= o.maxEpochs) break;
      const ranked = alive.filter((i) => states[i].entry && !states[i].entry!.error).sort((a, b) => compare(states[a].entry!, states[b].entry!, maximize));
      alive = ranked.slice(0, Math.max(1, Math.floor(alive.length / eta)));
    }
  } finally {
    if (timer) clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
    if (ownDir) await rm(ownDir, { recursive: true, force: true });
  }

  const leaderboard = states.flatMap((s) => (s.entry ? [s.entry] : [])).sort((a, b) => compare(a, b, maximize));
  if (leaderboard.length && leaderboard.every((e) => e.error)) {
    throw new AndonError('invalid_input', `every configuration failed; the first: ${leaderboard[0].error}`, { leaderboard });
  }
  return { leaderboard, best: leaderboard[0] ?? null, epochsSpent, stopped };
}

/** Failures last, then later rungs first, then by score, then by trial number (a stable tie-break). */
function compare(a: LeaderboardEntry, b: LeaderboardEntry, maximize: boolean): number {
  if (!!a.error !== !!b.error) return a.error ? 1 : -1;
  if (a.rung !== b.rung) return b.rung - a.rung;
  if (a.score !== b.score) return maximize ? b.score - a.score : a.score - b.score;
  return a.trial - b.trial;
}

function bestScore(history: EpochRecord[], metric: string, maximize: boolean): number {
  const values = history.map((h) => (metric === 'validation_loss' ? h.validationLoss : h.metrics?.[metric]));
  if (values.some((v) => v === undefined || Number.isNaN(v))) {
    throw new AndonError('invalid_input', `the score metric "${metric}" is missing from the training history; return it from trainOptions.validationMetric`);
  }
  return (maximize ? Math.max : Math.min)(...(values as number[]));
}

function checkOptions(o: SearchOptions): void {
  const bad = (m: string): never => {
    throw new AndonError('invalid_input', `search: ${m}`);
  };
  if (!Number.isInteger(o.trials) || o.trials < 1) bad('trials must be a positive integer');
  if (!Number.isInteger(o.maxEpochs) || o.maxEpochs < 1) bad('maxEpochs must be a positive integer');
  if (!Number.isInteger(o.seed)) bad('seed must be an integer');
  if (o.eta !== undefined && !(o.eta > 1)) bad('eta must be greater than 1');
  if (o.minEpochs !== undefined && !(Number.isInteger(o.minEpochs) && o.minEpochs >= 1 && o.minEpochs <= o.maxEpochs))
    bad('minEpochs must be an integer in [1, maxEpochs]');
  if (o.timeBudgetSeconds !== undefined && !(o.timeBudgetSeconds > 0)) bad('timeBudgetSeconds must be positive');
  if (o.strategy !== undefined && o.strategy !== 'halving' && o.strategy !== 'random') bad(`unknown strategy ${JSON.stringify(o.strategy)}`);
  for (const [name, d] of Object.entries(o.space ?? bad('space is required'))) {
    const range = (min: number, max: number): boolean => Number.isFinite(min) && Number.isFinite(max) && min <= max;
    const ok =
      d?.type === 'log_uniform'
        ? range(d.min, d.max) && d.min > 0
        : d?.type === 'uniform'
          ? range(d.min, d.max)
          : d?.type === 'int'
            ? range(d.min, d.max) && Number.isInteger(d.min) && Number.isInteger(d.max)
            : d?.type === 'choice'
              ? Array.isArray(d.values) && d.values.length > 0
              : false;
    if (!ok) bad(`the domain of "${name}" is invalid: ${JSON.stringify(d)}`);
  }
}
