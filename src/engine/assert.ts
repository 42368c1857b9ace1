// Invariant checks for the engine: a failed one names what was expected, for the caller to fix.

export class EngineError extends Error {
  override name = 'EngineError';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new EngineError(message);
}
