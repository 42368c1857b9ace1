// The contracts of preprocessing: cleaning steps (table → table) and encoders (columns → model input blocks).
import type { Table } from '../table.js';

/** JSON-serialisable state of a fitted step or encoder; `kind` names its class in the registry. */
export interface StepState {
  kind: string;
  [key: string]: unknown;
}

/** A fitted-on-train, replayed-at-serving table transformation: imputation, clipping, datetime parts… */
export interface Step {
  readonly kind: string;
  /** Learns its parameters from training rows only. */
  fit(table: Table): void;
  /** Applies the learned parameters; never refits, so serving sees exactly what training saw. */
  transform(table: Table): Table;
  toJSON(): StepState;
}

/** Dense float features, row-major [rows, width], with a name per feature. */
export interface DenseBlock {
  type: 'dense';
  rows: number;
  width: number;
  names: string[];
  data: Float32Array;
}
/** Variable-length bags of token ids per row (PyTorch EmbeddingBag's input/offsets form). */
export interface BagsBlock {
  type: 'bags';
  rows: number;
  vocabSize: number;
  ids: Int32Array;
  offsets: Int32Array;
}
/** Fixed-length id sequences per row, padded with padId: [rows, length]. */
export interface SequenceBlock {
  type: 'sequence';
  rows: number;
  length: number;
  vocabSize: number;
  padId: number;
  ids: Int32Array;
}
export type Block = DenseBlock | BagsBlock | SequenceBlock;

/** Turns one or more columns into a block of model input. */
export interface Encoder {
  readonly kind: string;
  readonly columns: readonly string[];
  fit(table: Table): void;
  encode(table: Table): Block;
  toJSON(): StepState;
}

export type Restorer<T> = (state: StepState) => T;
