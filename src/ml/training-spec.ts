// The training spec: what to learn and how, as POST /api/v1/jobs, startTraining, the training worker and `andon train` all take it; its validator and its JSON schema come from one field table.
import { AndonError } from '../errors.js';
import { SEMANTIC_TYPES, type SemanticType } from '../data/schema.js';
import { MAX_MEMBERS } from './spec.js';
import { getTemplate, TEMPLATES } from './templates.js';
import type { FitOptions } from './fit.js';

export const TASKS = ['auto', 'classification', 'binary', 'multiclass', 'regression', 'text', 'rul'] as const;
export type TrainingTask = (typeof TASKS)[number];
export const TEXT_MODELS = ['bag', 'transformer'] as const;
export type TextModel = (typeof TEXT_MODELS)[number];
export const MAX_EPOCHS = 10_000;
/** Longest column name a spec may name, and most columns it may list (exclude, types). */
const MAX_COLUMN = 256,
  MAX_COLUMNS = 1000;

export interface TrainingSpec {
  /** The column to predict (for rul, a missing column is computed from run-to-failure histories). */
  target: string;
  task?: TrainingTask;
  template?: string;
  seed?: number;
  /** Most epochs; early stopping may end sooner. Default the template's. */
  epochs?: number;
  /** An ensemble of this many models; default the template's. */
  members?: number;
  exclude?: string[];
  groupColumn?: string;
  timeColumn?: string;
  /** Semantic type overrides by column name. */
  types?: Record<string, SemanticType>;
  textModel?: TextModel;
}

type Field =
  | { kind: 'column' }
  | { kind: 'columns' }
  | { kind: 'choice'; values: readonly string[] }
  | { kind: 'template' }
  | { kind: 'integer'; min?: number; max?: number }
  | { kind: 'types' };

/** Every spec field once: checkTrainingSpec validates by it and TRAINING_SPEC_SCHEMA is written from it, so the two cannot disagree. */
const FIELDS: { [K in keyof Required<TrainingSpec>]: Field & { description: string } } = {
  target: { kind: 'column', description: 'the column to predict (for rul, a missing column is computed from run-to-failure histories)' },
  task: { kind: 'choice', values: TASKS, description: 'what to learn (default auto: from the target and the columns)' },
  template: { kind: 'template', description: "the template: architecture and training defaults (default the task's)" },
  seed: { kind: 'integer', description: 'random seed: the same seed gives the same model (default 0)' },
  epochs: { kind: 'integer', min: 1, max: MAX_EPOCHS, description: "most epochs; early stopping may end sooner (default the template's)" },
  members: { kind: 'integer', min: 1, max: MAX_MEMBERS, description: "an ensemble of this many models (default the template's)" },
  exclude: { kind: 'columns', description: 'columns to leave out (e.g. ones that leak the label)' },
  groupColumn: { kind: 'column', description: 'rul: the machine or unit id (with timeColumn)' },
  timeColumn: { kind: 'column', description: 'rul: the cycle or time of each row (with groupColumn)' },
  types: { kind: 'types', description: 'force column types by name, e.g. {"Line": "category"}' },
  textModel: { kind: 'choice', values: TEXT_MODELS, description: "text: a fast embedding bag or a small transformer (default the template's)" },
};

const SPEC_KEYS = Object.keys(FIELDS) as (keyof TrainingSpec)[];

const columnSchema = { type: 'string', minLength: 1, maxLength: MAX_COLUMN };

function schemaOf(f: Field): Record<string, unknown> {
  switch (f.kind) {
    case 'column':
      return columnSchema;
    case 'columns':
      return { type: 'array', items: columnSchema, maxItems: MAX_COLUMNS };
    case 'choice':
      return { type: 'string', enum: [...f.values] };
    case 'template':
      return { type: 'string', enum: Object.keys(TEMPLATES) };
    case 'integer':
      return { type: 'integer', ...(f.min !== undefined ? { minimum: f.min } : {}), ...(f.max !== undefined ? { maximum: f.max } : {}) };
    case 'types':
      return {
        type: 'object',
        maxProperties: MAX_COLUMNS,
        propertyNames: { minLength: 1, maxLength: MAX_COLUMN },
        additionalProperties: { type: 'string', enum: [...SEMANTIC_TYPES] },
      };
  }
}

/** The spec's fields as JSON-schema properties (for a request body that adds its own fields) and the ones it requires. */
export const TRAINING_SPEC_SCHEMA = {
  required: SPEC_KEYS.filter((k) => k === 'target'),
  properties: Object.fromEntries(
    SPEC_KEYS.map((k): [string, Record<string, unknown>] => [k, { ...schemaOf(FIELDS[k]), description: FIELDS[k].description }]),
  ) as Record<keyof TrainingSpec, Record<string, unknown>>,
};

export interface CheckOptions {
  /** How the caller's user names a field in messages (the CLI: `--epochs`); default the field's own name. */
  label?: (field: keyof TrainingSpec) => string;
}

/** A short rendering of a refused value for a one-line message. */
function shown(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

const isColumn = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_COLUMN;

/**
 * The spec fields of `input` (other keys, such as a stored job's dataset and model, are left to the caller), checked:
 * each wrong field is one invalid_input error naming the field, what it takes and what it got.
 */
export function checkTrainingSpec(input: unknown, options: CheckOptions = {}): TrainingSpec {
  const label = options.label ?? ((f) => f);
  if (!input || typeof input !== 'object' || Array.isArray(input))
    throw new AndonError('invalid_input', 'a training spec is an object with at least a target', { got: shown(input) });
  const o = input as Record<string, unknown>;
  const bad = (field: keyof TrainingSpec, expected: string, extra: Record<string, unknown> = {}): never => {
    throw new AndonError('invalid_input', `${label(field)} must be ${expected}, got ${shown(o[field])}`, { field, expected, ...extra });
  };
  if (o.target === undefined) throw new AndonError('invalid_input', `${label('target')} is required: the column to predict`, { field: 'target' });
  const spec: Record<string, unknown> = {};
  for (const k of SPEC_KEYS) {
    const v = o[k],
      f = FIELDS[k];
    if (v === undefined) continue;
    switch (f.kind) {
      case 'column':
        if (!isColumn(v)) bad(k, `a column name (1 to ${MAX_COLUMN} characters)`);
        break;
      case 'columns':
        if (!Array.isArray(v) || v.length > MAX_COLUMNS || !v.every(isColumn)) bad(k, `a list of at most ${MAX_COLUMNS} column names`);
        break;
      case 'choice':
        if (typeof v !== 'string' || !f.values.includes(v)) bad(k, `one of ${f.values.join(', ')}`, { allowed: f.values });
        break;
      case 'template':
        if (typeof v !== 'string') bad(k, `one of ${Object.keys(TEMPLATES).join(', ')}`, { known: Object.keys(TEMPLATES) });
        getTemplate(v as string); // unknown → invalid_input listing the templates
        break;
      case 'integer': {
        const ok = Number.isInteger(v) && (f.min === undefined || (v as number) >= f.min) && (f.max === undefined || (v as number) <= f.max);
        if (!ok)
          bad(k, f.min !== undefined && f.max !== undefined ? `an integer from ${f.min} to ${f.max}` : 'an integer', {
            ...(f.min !== undefined ? { minimum: f.min } : {}),
            ...(f.max !== undefined ? { maximum: f.max } : {}),
          });
        break;
      }
      case 'types': {
        const entries = v && typeof v === 'object' && !Array.isArray(v) ? Object.entries(v) : null;
        if (!entries || entries.length > MAX_COLUMNS || !entries.every(([c, t]) => isColumn(c) && SEMANTIC_TYPES.includes(t as SemanticType))) {
          bad(k, `an object of at most ${MAX_COLUMNS} columns, each to one of ${SEMANTIC_TYPES.join(', ')}`, { allowed: SEMANTIC_TYPES });
        }
        break;
      }
    }
    spec[k] = Array.isArray(v) ? [...v] : v && typeof v === 'object' ? { ...v } : v;
  }
  // A unit's history needs both its id and its clock: one without the other is a mistake, not a choice.
  if ((spec.groupColumn === undefined) !== (spec.timeColumn === undefined)) {
    throw new AndonError('invalid_input', `${label('groupColumn')} and ${label('timeColumn')} go together`, {
      field: spec.groupColumn === undefined ? 'groupColumn' : 'timeColumn',
    });
  }
  if (spec.task === 'rul' && spec.groupColumn === undefined) {
    throw new AndonError('invalid_input', `the rul task needs ${label('groupColumn')} and ${label('timeColumn')}`, { field: 'task', task: 'rul' });
  }
  return spec as unknown as TrainingSpec;
}

/** The FitOptions a spec sets; the rest (cancel signal, progress, checkpoints) are the caller's. */
export type SpecFitOptions = Pick<
  FitOptions,
  'target' | 'task' | 'template' | 'seed' | 'members' | 'exclude' | 'groupColumn' | 'timeColumn' | 'types' | 'textModel' | 'training'
>;

export function fitOptionsOf(spec: TrainingSpec): SpecFitOptions {
  const { epochs, ...rest } = spec;
  return { ...rest, ...(epochs !== undefined ? { training: { epochs } } : {}) };
}
