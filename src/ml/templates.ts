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
  /** Binary: choose the decision threshold that maximises F1 on validation rows. */
  tuneThreshold: boolean;
  /** Text: 'bag' is a fastText-style embedding bag, 'transformer' a small encoder. */
  text?: { model: 'bag' | 'transformer'; dim: number; vocabulary: number; ngramBuckets: number; length: number; layers: number; heads: number };
  /** Remaining useful life: window length, RUL cap, and the layers over each window. */
  rul?: { window: number; cap: number; layers: LayerSpec[] };
}

const mlp = (units: number[], dropout: number): LayerSpec[] =>
  units.flatMap((u): LayerSpec[] => [{ type: 'linear', units: u }, { type: 'relu' }, ...(dropout > 0 ? [{ type: 'dropout', rate: dropout } as LayerSpec] : [])]);

const tabularTraining: TrainingDefaults = { epochs: 200, batchSize: 128, optimizer: 'adamw', lr: 2e-3, weightDecay: 1e-4, patience: 15, schedule: 'constant' };

export const TEMPLATES: Record<string, Template> = {
  'predictive-maintenance': {
    name: 'predictive-maintenance',
    description: 'Predict whether a machine will fail from its sensor readings. Failures are rare, so they are weighted up and the alarm threshold is tuned to catch as many as possible without too many false alarms (best F1).',
    tasks: ['binary'],
    hidden: mlp([128, 64], 0.1),
    training: tabularTraining,
    balanceClasses: true,
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
    description: 'Sort customer feedback or maintenance notes into positive, negative and neutral (or any labels) from the text, in English or Chinese. A fast bag-of-words-and-phrases model; choose the transformer option for word order.',
    tasks: ['text'],
    hidden: [],
    training: { epochs: 30, batchSize: 64, optimizer: 'adam', lr: 5e-3, weightDecay: 0, patience: 3, schedule: 'constant' },
    balanceClasses: false,
    tuneThreshold: false,
    text: { model: 'bag', dim: 64, vocabulary: 30000, ngramBuckets: 100000, length: 64, layers: 2, heads: 4 },
  },
  'remaining-useful-life': {
    name: 'remaining-useful-life',
    description: 'Estimate how many cycles (or hours) a machine has left before it fails, from the recent history of its sensors. Trained on run-to-failure histories; scored at each machine\'s latest observation.',
    tasks: ['rul'],
    hidden: [{ type: 'linear', units: 64 }, { type: 'relu' }],
    training: { epochs: 60, batchSize: 256, optimizer: 'adam', lr: 1e-3, weightDecay: 0, patience: 10, schedule: 'constant' },
    balanceClasses: false,
    tuneThreshold: false,
    rul: {
      window: 30,
      cap: 125,
      layers: [
        { type: 'conv1d', filters: 32, kernel: 5, padding: 2 }, { type: 'relu' },
        { type: 'conv1d', filters: 32, kernel: 3, padding: 1 }, { type: 'relu' },
        { type: 'gru', units: 64 }, { type: 'last_step' },
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
