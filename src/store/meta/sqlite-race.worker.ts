// A worker thread for sqlite.test.ts: a separate connection (and module instance, so no shared
// in-process lock) adding dataset versions to the same database file as other threads at the same time.
import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteMetaStore } from './sqlite.js';

const { path, tenantId, datasetId, shas } = workerData as { path: string; tenantId: string; datasetId: string; shas: string[] };
const store = await openSqliteMetaStore({ path });
// Start together: the test says go once every thread is ready.
await new Promise<void>((res) => {
  parentPort!.once('message', () => res());
  parentPort!.postMessage('ready');
});
const results: Array<{ sha: string; id: string; number: number; created: boolean }> = [];
try {
  for (const sha of shas) {
    const { version, created } = await store.datasets.addVersion(tenantId, datasetId, { sha256: sha, blobKey: sha, schema: {}, rows: 1, bytes: 1 });
    results.push({ sha, id: version.id, number: version.number, created });
  }
} finally {
  await store.close();
}
parentPort!.postMessage(results);
