// The tenant-key sealer of a home: the encrypted blob store's sealValue/openValue (the mechanism prediction logs use), given to the metadata store for version values and used for checkpoint keys.
import type { ValueSealer } from '../store/index.js';

/** The blob store's sealer, or null for a home without encryption at rest (which stores nothing sealed). */
export function sealerOf(blobs: unknown): ValueSealer | null {
  const b = blobs as Partial<ValueSealer> | null;
  return b && typeof b.sealValue === 'function' && typeof b.openValue === 'function'
    ? { sealValue: b.sealValue.bind(b), openValue: b.openValue.bind(b) }
    : null;
}
