// Reading a user's data file for a command: clear errors for a missing, empty or unreadable file.
import { statSync } from 'node:fs';
import { AndonError } from '../errors.js';
import { readTable, type FileFormat, type ReadReport } from '../data/readers/index.js';
import type { Table } from '../data/table.js';

export async function readDataFile(path: string, format?: FileFormat): Promise<{ table: Table; report: ReadReport }> {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new AndonError('invalid_input', `${path} is not a file`, { path });
    size = st.size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new AndonError('not_found', `no such file: ${path}`, { path });
    throw e;
  }
  if (size === 0) throw new AndonError('empty_input', `${path} is empty`, { path });
  const result = await readTable(path, format ? { format } : {});
  if (result.table.columns.length === 0 || result.table.rowCount === 0) throw new AndonError('empty_input', `${path} has no data rows`, { path });
  return result;
}
