// Pipeline: cleaning steps then encoders, fitted once on training rows, serialised into the model bundle, replayed exactly.
import { AndonError } from '../../errors.js';
import type { Table } from '../table.js';
import type { BagsBlock, Block, DenseBlock, Encoder, SequenceBlock, Step, StepState } from './types.js';
import { restoreEncoder, restoreStep } from './registry.js';

/** What a model consumes: one dense matrix (all dense blocks side by side) plus any text blocks. */
export interface Features {
  rows: number;
  dense: DenseBlock;
  bags: BagsBlock[];
  sequences: SequenceBlock[];
}

export interface PipelineState {
  version: 1;
  inputColumns: string[];
  steps: StepState[];
  encoders: StepState[];
}

export class Pipeline {
  private fitted = false;
  /** The raw columns the pipeline reads; serving requests are checked against these. */
  inputColumns: string[] = [];

  constructor(
    readonly steps: Step[],
    readonly encoders: Encoder[],
  ) {
    if (encoders.length === 0) throw new AndonError('invalid_input', 'a pipeline needs at least one encoder');
  }

  /** Fits each step on the output of the previous ones, then the encoders, on training rows only. */
  fit(table: Table): this {
    if (table.rowCount === 0) throw new AndonError('empty_input', 'cannot fit a pipeline on zero rows');
    this.inputColumns = [...table.columnNames];
    let t = table;
    for (const s of this.steps) {
      s.fit(t);
      t = s.transform(t);
    }
    for (const e of this.encoders) e.fit(t);
    this.fitted = true;
    return this;
  }

  transform(table: Table): Features {
    if (!this.fitted) throw new AndonError('invalid_input', 'the pipeline has not been fitted');
    let t = table;
    for (const s of this.steps) t = s.transform(t);
    return assemble(
      t.rowCount,
      this.encoders.map((e) => e.encode(t)),
    );
  }

  fitTransform(table: Table): Features {
    return this.fit(table).transform(table);
  }

  toJSON(): PipelineState {
    if (!this.fitted) throw new AndonError('invalid_input', 'only a fitted pipeline can be saved');
    return { version: 1, inputColumns: this.inputColumns, steps: this.steps.map((s) => s.toJSON()), encoders: this.encoders.map((e) => e.toJSON()) };
  }

  static fromJSON(state: PipelineState): Pipeline {
    if (!state || state.version !== 1 || !Array.isArray(state.steps) || !Array.isArray(state.encoders) || !Array.isArray(state.inputColumns)) {
      throw new AndonError('parse_error', 'not a serialised pipeline (version 1)');
    }
    const p = new Pipeline(state.steps.map(restoreStep), state.encoders.map(restoreEncoder));
    p.inputColumns = [...state.inputColumns];
    p.fitted = true;
    return p;
  }
}

/** Concatenates dense blocks column-wise; text blocks pass through. */
export function assemble(rows: number, blocks: Block[]): Features {
  const dense = blocks.filter((b): b is DenseBlock => b.type === 'dense');
  for (const b of blocks) {
    if (b.rows !== rows) throw new AndonError('internal', `an encoder produced ${b.rows} rows for ${rows}`);
  }
  const width = dense.reduce((w, b) => w + b.width, 0);
  const data = new Float32Array(rows * width);
  let at = 0;
  for (const b of dense) {
    for (let r = 0; r < rows; r++) data.set(b.data.subarray(r * b.width, (r + 1) * b.width), r * width + at);
    at += b.width;
  }
  return {
    rows,
    dense: { type: 'dense', rows, width, names: dense.flatMap((b) => b.names), data },
    bags: blocks.filter((b): b is BagsBlock => b.type === 'bags'),
    sequences: blocks.filter((b): b is SequenceBlock => b.type === 'sequence'),
  };
}
