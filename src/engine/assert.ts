// Invariant checks for the engine: a failed one names what was expected, for the caller to fix.

export class EngineError extends Error {
  override name = 'EngineError';
}

/**
 * Throws EngineError when the condition is false. Pass the message as a function when it interpolates
 * values: checks run on every op, and building the text only on failure keeps them nearly free.
 */
export function assert(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new EngineError(typeof message === 'function' ? message() : message);
}
