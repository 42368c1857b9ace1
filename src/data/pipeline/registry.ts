// Maps a serialised step's `kind` back to its class, so a model bundle's pipeline loads without evaluating code.
import { AndonError } from '../../errors.js';
import type { Encoder, Restorer, Step, StepState } from './types.js';

const steps = new Map<string, Restorer<Step>>();
const encoders = new Map<string, Restorer<Encoder>>();

export function registerStep(kind: string, restore: Restorer<Step>): void {
  steps.set(kind, restore);
}
export function registerEncoder(kind: string, restore: Restorer<Encoder>): void {
  encoders.set(kind, restore);
}

function restore<T>(map: Map<string, Restorer<T>>, state: StepState, what: string): T {
  if (!state || typeof state !== 'object' || typeof state.kind !== 'string') {
    throw new AndonError('parse_error', `a serialised ${what} has no kind`);
  }
  const r = map.get(state.kind);
  if (!r) throw new AndonError('parse_error', `unknown ${what} kind "${state.kind}"`, { kind: state.kind, known: [...map.keys()] });
  return r(state);
}

export const restoreStep = (s: StepState) => restore(steps, s, 'pipeline step');
export const restoreEncoder = (s: StepState) => restore(encoders, s, 'encoder');
