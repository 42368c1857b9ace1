// The public surface of preprocessing: contracts, every step and encoder (imported here so their kinds are registered), and a tabular preset.
import { AndonError } from '../../errors.js';
import { checkBoolean, checkEnum, checkKeys, checkNumber, checkObject, invalid } from './clean.js';
import { Clip, type ClipOptions } from './clip.js';
import { Coerce, type CoerceOptions } from './coerce.js';
import { DatetimeParts, type CyclicPart, type DatePart } from './datetime.js';
import { Impute, type ImputeStrategy } from './impute.js';
import { NumericEncoder, type Scaling } from './numeric.js';
import { OneHotEncoder, OrdinalEncoder } from './categorical.js';
import { Pipeline } from './pipeline.js';
import type { Encoder, Step } from './types.js';

// ---- modules that register step/encoder kinds: Pipeline.fromJSON can only restore kinds imported here ----
import './impute.js';
import './clip.js';
import './coerce.js';
import './datetime.js';
import './numeric.js';
import './categorical.js';
import './text.js';

export * from './types.js';
export { Pipeline, assemble, type Features, type PipelineState } from './pipeline.js';
export { registerStep, registerEncoder, restoreStep, restoreEncoder } from './registry.js';
export { Impute, MISSING_SUFFIX, MISSING_CATEGORY, type ImputeOptions, type ImputeStrategy, type ImputeReport } from './impute.js';
export { Clip, type ClipOptions, type ClipReport } from './clip.js';
export { Coerce, parseLooseNumber, type CoerceOptions, type CoerceReport } from './coerce.js';
export { DatetimeParts, DATE_PARTS, parseDateText, type DatetimeOptions, type DatetimeReport, type DatePart, type CyclicPart } from './datetime.js';
export { NumericEncoder, type NumericOptions, type Scaling } from './numeric.js';
export { OneHotEncoder, OrdinalEncoder, OTHER, type OneHotOptions, type OrdinalOptions } from './categorical.js';
export { dropDuplicateRows, dropMissingRows, type RowFilterResult } from './dedupe.js';
export * from './text.js';

/** Plain lists of column names by type (map a schema's number/integer → numeric, category/boolean → categorical). */
export interface TabularOptions {
  numeric?: string[];
  categorical?: string[];
  datetime?: string[];
  /** Parse numbers written as text in numeric columns ("1,234.5", "12 %"); default true. */
  coerce?: boolean | Omit<CoerceOptions, 'columns'>;
  /** Clip numeric columns to training quantiles (p01/p99 unless given); default off. */
  clip?: boolean | Omit<ClipOptions, 'columns'>;
  /** Default 'median'. */
  numericImpute?: ImputeStrategy;
  /** The fill of numericImpute 'constant'; default 0. */
  numericFill?: number;
  /** Adds a 0/1 feature `<column>__missing` per numeric column; default false. */
  missingIndicator?: boolean;
  /** Scaling of numeric and datetime-part features; default 'standard'. */
  scale?: Scaling;
  /** Numeric columns to encode as log1p (negatives shifted by the training minimum) before scaling. */
  log1p?: string[];
  /** Default 'most_frequent'. */
  categoricalImpute?: 'most_frequent' | 'constant' | 'drop';
  /** The fill of categoricalImpute 'constant'; default "(missing)", which then becomes a category of its own. */
  categoricalFill?: string;
  /** Default 'one_hot'. */
  categoricalEncoding?: 'one_hot' | 'ordinal';
  /** One-hot: named categories kept per column; default 50. */
  maxCategories?: number;
  /** Ordinal: category order per column. */
  order?: Record<string, string[]>;
  /** Datetime parts (default all) and sin/cos cycles (default none). */
  datetimeParts?: DatePart[];
  cyclic?: boolean | CyclicPart[];
}

const KNOWN = [
  'numeric',
  'categorical',
  'datetime',
  'coerce',
  'clip',
  'numericImpute',
  'numericFill',
  'missingIndicator',
  'scale',
  'log1p',
  'categoricalImpute',
  'categoricalFill',
  'categoricalEncoding',
  'maxCategories',
  'order',
  'datetimeParts',
  'cyclic',
];

/**
 * A pipeline with sensible defaults: numbers coerced from text, median-imputed and standardised; categories
 * most-frequent-imputed and one-hot encoded; datetimes expanded into parts, median-imputed and standardised.
 * Features come in this order: numeric and datetime parts, log1p columns, missing indicators, categories.
 */
export function buildTabularPipeline(options: TabularOptions): Pipeline {
  const kind = 'buildTabularPipeline';
  const o = checkObject(options, kind);
  checkKeys(o, KNOWN, kind);
  const numeric = names(o.numeric, 'numeric'),
    categorical = names(o.categorical, 'categorical'),
    datetime = names(o.datetime, 'datetime');
  const log1p = names(o.log1p, 'log1p');
  const all = [...numeric, ...categorical, ...datetime];
  if (all.length === 0) throw invalid(kind, 'no columns: give at least one of "numeric", "categorical", "datetime"');
  const dup = all.find((c, i) => all.indexOf(c) !== i);
  if (dup !== undefined) throw invalid(kind, `column "${dup}" is listed under two types`, { column: dup });
  const stray = log1p.find((c) => !numeric.includes(c));
  if (stray !== undefined) throw invalid(kind, `"log1p" column "${stray}" is not in "numeric"`, { column: stray });

  const steps: Step[] = [];
  const encoders: Encoder[] = [];
  const scale = checkEnum(o.scale, ['standard', 'minmax', 'robust', 'none'] as const, kind, 'scale', 'standard');
  let parts: string[] = [];
  let indicators: string[] = [];

  if (numeric.length && o.coerce !== false) steps.push(new Coerce({ ...sub(o.coerce, 'coerce'), columns: numeric }));
  if (datetime.length) {
    const step = new DatetimeParts({
      columns: datetime,
      parts: o.datetimeParts as DatePart[] | undefined,
      cyclic: o.cyclic as boolean | CyclicPart[] | undefined,
    });
    steps.push(step);
    parts = step.outputColumns;
  }
  if (numeric.length) {
    if (o.clip !== undefined && o.clip !== false) steps.push(new Clip({ ...sub(o.clip, 'clip'), columns: numeric }));
    const strategy = checkEnum(o.numericImpute, ['mean', 'median', 'most_frequent', 'constant', 'drop'] as const, kind, 'numericImpute', 'median');
    const indicator = checkBoolean(o.missingIndicator, kind, 'missingIndicator', false);
    const value = strategy === 'constant' ? checkNumber(o.numericFill ?? 0, kind, 'numericFill') : undefined;
    const impute = new Impute({ columns: numeric, strategy, indicator, ...(value !== undefined ? { value } : {}) });
    steps.push(impute);
    indicators = impute.indicatorColumns;
  }
  // Every datetime part of a row is missing together, so one indicator would do; the parts are median-filled without one.
  if (parts.length) steps.push(new Impute({ columns: parts, strategy: 'median' }));
  if (categorical.length) {
    const strategy = checkEnum(o.categoricalImpute, ['most_frequent', 'constant', 'drop'] as const, kind, 'categoricalImpute', 'most_frequent');
    if (o.categoricalFill !== undefined && typeof o.categoricalFill !== 'string') throw invalid(kind, '"categoricalFill" must be a string');
    const value = strategy === 'constant' ? ((o.categoricalFill as string | undefined) ?? '(missing)') : undefined;
    steps.push(new Impute({ columns: categorical, strategy, categorical: true, ...(value !== undefined ? { value } : {}) }));
  }

  const plain = [...numeric.filter((c) => !log1p.includes(c)), ...parts];
  if (plain.length) encoders.push(new NumericEncoder({ columns: plain, scale }));
  if (log1p.length) encoders.push(new NumericEncoder({ columns: log1p, scale, log1p: true, negatives: 'shift' }));
  if (indicators.length) encoders.push(new NumericEncoder({ columns: indicators, scale: 'none' }));
  if (categorical.length) {
    const encoding = checkEnum(o.categoricalEncoding, ['one_hot', 'ordinal'] as const, kind, 'categoricalEncoding', 'one_hot');
    if (encoding === 'one_hot') {
      if (o.order !== undefined) throw invalid(kind, '"order" applies to categoricalEncoding "ordinal" only');
      encoders.push(new OneHotEncoder({ columns: categorical, ...(o.maxCategories !== undefined ? { maxCategories: o.maxCategories as number } : {}) }));
    } else {
      if (o.maxCategories !== undefined) throw invalid(kind, '"maxCategories" applies to categoricalEncoding "one_hot" only');
      encoders.push(new OrdinalEncoder({ columns: categorical, ...(o.order !== undefined ? { order: o.order as Record<string, string[]> } : {}) }));
    }
  }
  return new Pipeline(steps, encoders);
}

function names(value: unknown, option: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((c) => typeof c !== 'string' || c === '')) {
    throw new AndonError('invalid_input', `buildTabularPipeline: "${option}" must be a list of column names`, { option });
  }
  return [...new Set(value as string[])];
}

/** The options object of a `true | {…}` option. */
function sub<T extends object>(value: unknown, option: string): Partial<T> {
  if (value === undefined || value === true) return {};
  return checkObject(value, `buildTabularPipeline "${option}"`) as Partial<T>;
}
