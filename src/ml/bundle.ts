// Model bundles on disk: manifest.json + weights.safetensors (+ model.onnx), written atomically, verified on load.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile, open, stat } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import * as E from '../engine/index.js';
import { AndonError } from '../errors.js';
import { Pipeline } from '../data/pipeline/index.js';
import { SpecModel } from './spec.js';
import type { FittedModel, ModelManifest } from './fit.js';

export const MANIFEST = 'manifest.json';
export const WEIGHTS = 'weights.safetensors';
export const ONNX = 'model.onnx';

/** The manifest as stored: the model's manifest plus the checksum of every other file in the bundle. */
export interface StoredManifest extends ModelManifest {
  files: Record<string, string>;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The bundle's files in memory, for stores that keep blobs rather than directories. */
export function bundleFiles(fitted: FittedModel, onnx?: Uint8Array): Map<string, Uint8Array> {
  const weights = E.encodeSafetensors(fitted.model.stateDict(), { format: 'andon', task: fitted.manifest.task });
  const files = new Map<string, Uint8Array>([[WEIGHTS, weights]]);
  if (onnx) files.set(ONNX, onnx);
  const manifest: StoredManifest = { ...fitted.manifest, files: Object.fromEntries([...files].map(([n, b]) => [n, sha256(b)])) };
  files.set(MANIFEST, Buffer.from(JSON.stringify(manifest, null, 2)));
  return files;
}

async function writeSynced(path: string, bytes: Uint8Array): Promise<void> {
  const fh = await open(path, 'w');
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Writes the bundle into a temporary sibling folder and renames it into place, so a crash leaves either
 * no bundle or a whole one. An existing non-empty folder is refused rather than overwritten.
 */
export async function writeBundle(dir: string, files: Map<string, Uint8Array>): Promise<void> {
  const existing = await stat(dir).catch(() => null);
  if (existing) throw new AndonError('conflict', `${dir} already exists; choose another --out folder`, { path: dir });
  await mkdir(dirname(dir), { recursive: true });
  const tmp = join(dirname(dir), `.${basename(dir)}.tmp-${process.pid}-${Date.now()}`);
  await mkdir(tmp);
  try {
    for (const [name, bytes] of files) await writeSynced(join(tmp, name), bytes);
    await rename(tmp, dir);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

export interface LoadedBundle {
  manifest: StoredManifest;
  model: SpecModel;
  pipeline: Pipeline;
  onnx: Uint8Array | null;
}

/** Reads a bundle folder; see parseBundle. */
export async function readBundle(dir: string): Promise<LoadedBundle> {
  const read = async (name: string, required: boolean): Promise<Uint8Array | null> => {
    try {
      return await readFile(join(dir, name));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !required) return null;
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        throw new AndonError('not_found', `${join(dir, name)} not found: is ${dir} a model bundle?`, { path: dir });
      throw e;
    }
  };
  const files = new Map<string, Uint8Array>();
  for (const [name, required] of [
    [MANIFEST, true],
    [WEIGHTS, true],
    [ONNX, false],
  ] as const) {
    const b = await read(name, required);
    if (b) files.set(name, b);
  }
  return parseBundle(files);
}

/**
 * Rebuilds a model from bundle files without evaluating any code: every file must match the checksum in the
 * manifest, the weights must match the architecture exactly, and the pipeline must restore.
 */
export function parseBundle(files: Map<string, Uint8Array>): LoadedBundle {
  const raw = files.get(MANIFEST);
  if (!raw) throw new AndonError('integrity_error', 'the bundle has no manifest.json');
  let manifest: StoredManifest;
  try {
    manifest = JSON.parse(Buffer.from(raw).toString('utf8'));
  } catch {
    throw new AndonError('integrity_error', 'manifest.json is not valid JSON');
  }
  if (!manifest || manifest.format_version !== 1 || !manifest.files || typeof manifest.files !== 'object') {
    throw new AndonError('integrity_error', 'manifest.json is not an Andon model manifest (format_version 1)');
  }
  for (const [name, digest] of Object.entries(manifest.files)) {
    const b = files.get(name);
    if (!b) throw new AndonError('integrity_error', `the bundle is missing ${name}`);
    if (sha256(b) !== digest)
      throw new AndonError('integrity_error', `${name} does not match its checksum in the manifest: the bundle was modified or damaged`);
  }
  let model: SpecModel;
  try {
    model = new SpecModel(manifest.spec, new E.Rng(0));
    model.loadStateDict(E.decodeSafetensors(files.get(WEIGHTS)!).tensors);
  } catch (e) {
    throw new AndonError('integrity_error', `the weights do not fit the model: ${(e as Error).message}`);
  }
  model.eval();
  const pipeline = Pipeline.fromJSON(manifest.pipeline);
  return { manifest, model, pipeline, onnx: files.get(ONNX) ?? null };
}
