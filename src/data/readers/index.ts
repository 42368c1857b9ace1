// The readers' public surface: readTable picks a reader from the file extension or an explicit format.
import { extname } from 'node:path';
import { AndonError } from '../../errors.js';
import { readCsv, type CsvOptions } from './csv.js';
import { readJson, readJsonLines } from './json.js';
import type { ReadResult } from './report.js';
import { pathOf, type ByteSource } from './source.js';

export { readCsv, type CsvOptions } from './csv.js';
export { readJson, readJsonLines, type JsonOptions } from './json.js';
export { readSql, type SqlOptions } from './sql.js';
export { parseNumberBytes } from './number-bytes.js';
export { MAX_COLUMNS, MAX_COLUMN_NAME_CHARS, MAX_HEADER_BYTES } from '../limits.js';
export type { ByteSource } from './source.js';
export { DEFAULT_MAX_BYTES, type ReadFormat, type ReadMode, type ReadReport, type ReadResult, type RenamedColumn, type SkippedLine } from './report.js';

export type FileFormat = 'csv' | 'json' | 'jsonl';

export interface ReadOptions extends CsvOptions {
  /** Overrides the extension; required for sources without a name (bytes, streams), where it defaults to CSV. */
  format?: FileFormat;
}

const BY_EXTENSION: Record<string, FileFormat> = {
  '.csv': 'csv',
  '.tsv': 'csv',
  '.txt': 'csv',
  '.json': 'json',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
};

/** The format of a file name by its extension, or null when the extension says nothing. */
export function formatOf(name: string): FileFormat | null {
  return BY_EXTENSION[extname(name).toLowerCase()] ?? null;
}

/**
 * Reads a file (or bytes, or a stream of chunks) into a Table and a report of how it was read:
 * `.csv`, `.tsv` and `.txt` are CSV (delimiter and header detected unless given), `.json` a JSON
 * array of objects, `.jsonl` and `.ndjson` JSON Lines. Other extensions need `format`.
 * CSV options (delimiter, header) are refused for JSON, where they would silently mean nothing.
 */
export async function readTable(source: ByteSource, options: ReadOptions = {}): Promise<ReadResult> {
  const { format: given, ...rest } = options;
  if (given !== undefined && !['csv', 'json', 'jsonl'].includes(given)) {
    throw new AndonError('invalid_input', `format is csv, json or jsonl, not "${String(given)}"`, { format: given });
  }
  const path = pathOf(source);
  let format = given;
  if (format === undefined) {
    if (path === null) format = 'csv';
    else {
      const byName = formatOf(path);
      if (byName === null) {
        throw new AndonError('invalid_input', `cannot tell the format of ${path} from its extension; pass format: csv, json or jsonl`, { path });
      }
      format = byName;
    }
  }
  if (format === 'csv') return readCsv(source, rest);
  if (rest.delimiter !== undefined || rest.header !== undefined) {
    throw new AndonError('invalid_input', `delimiter and header apply to CSV, not ${format}`, { format });
  }
  const jsonOptions = { mode: rest.mode, maxBytes: rest.maxBytes, chunkBytes: rest.chunkBytes };
  return format === 'json' ? readJson(source, jsonOptions) : readJsonLines(source, jsonOptions);
}
