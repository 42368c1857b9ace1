// Values of a dataset uploaded without masking never sit in clear under ANDON_HOME (database, its WAL, blobs, checkpoints), yet the API shows them to an admin; the home is private (0700 folders, 0600 files).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, until } from './test-support.js';

const EMAILS = ['mei.chen@plant-suzhou.example', 'j.okafor@lagos-line.example', 'ana.souza@curitiba.example'];
const PHONES = ['+86 512 6688 0421', '+234 803 555 0199', '+55 41 3333 0177'];

/** Machines whose operator contact (e-mail, phone) goes with the line, and a failure flag that follows the temperature. */
function contactsCsv(rows: number): string {
  const lines = ['operator_email,operator_phone,temperature,failure'];
  for (let i = 0; i < rows; i++) {
    const line = i % 3,
      temperature = 290 + ((i * 37) % 40);
    lines.push(`${EMAILS[line]},${PHONES[line]},${temperature},${temperature > 318 || (line === 1 && i % 4 === 0) ? 'yes' : 'no'}`);
  }
  return lines.join('\n') + '\n';
}

function walk(dir: string): { dirs: string[]; files: string[] } {
  const out = { dirs: [dir], files: [] as string[] };
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      const sub = walk(p);
      out.dirs.push(...sub.dirs);
      out.files.push(...sub.files);
    } else out.files.push(p);
  }
  return out;
}

/** The files under the home that hold a value in clear (as UTF-8 or UTF-16, as SQLite may store text). */
function clearCopies(home: string): string[] {
  const found: string[] = [];
  for (const f of walk(home).files) {
    const bytes = readFileSync(f);
    for (const v of [...EMAILS, ...PHONES]) {
      if (bytes.includes(Buffer.from(v, 'utf8')) || bytes.includes(Buffer.from(v, 'utf16le'))) found.push(`${f.slice(home.length)}: ${v}`);
    }
  }
  return found;
}

test(
  'an unmasked dataset and the model trained on it are sealed at rest, shown opened to an admin, in a private home',
  { skip: process.platform === 'win32' },
  async () => {
    const home = await mkdtemp(join(tmpdir(), 'andon-sealed-'));
    const s = await startTestServer({ home });
    try {
      assert.equal((await s.call('POST', '/api/v1/datasets?name=contacts&filename=operators.csv', { body: contactsCsv(240), type: 'text/csv' })).status, 201);
      const shown = await s.call('GET', '/api/v1/datasets/contacts/versions/1');
      assert.equal(shown.status, 200);
      for (const v of [EMAILS[0]!, PHONES[0]!]) assert.ok(shown.text.includes(JSON.stringify(v)), `the profile shows ${v} to the admin`);

      const job = await s.call('POST', '/api/v1/jobs', { json: { dataset: 'contacts', target: 'failure', model: 'escalation', epochs: 3, seed: 1 } });
      assert.equal(job.status, 202, job.text);
      const done = await until(
        () => s.call('GET', `/api/v1/jobs/${job.body.id}`),
        (r) => ['succeeded', 'failed', 'cancelled'].includes(r.body.status),
      );
      assert.equal(done.body.status, 'succeeded', done.body.error ?? '');
      const version = await s.call('GET', '/api/v1/models/escalation/versions/1');
      assert.equal(version.status, 200);
      const inputs = version.body.manifest.input_schema as { name: string; categories?: string[] }[];
      assert.deepEqual(
        inputs
          .find((c) => c.name === 'operator_email')
          ?.categories?.slice()
          .sort(),
        [...EMAILS].sort(),
        'the manifest lists the e-mails training saw',
      );
      assert.ok(version.text.includes(JSON.stringify(PHONES[1])));
      assert.equal(typeof version.body.metrics.accuracy, 'number');
      assert.ok((await s.call('GET', '/api/v1/models/escalation')).text.includes(JSON.stringify(EMAILS[2])), 'the version list is opened too');

      // While the server runs (the database, its WAL, the blobs) and once it has stopped: no value in clear anywhere.
      assert.deepEqual(clearCopies(home), []);
      await s.close();
      assert.deepEqual(clearCopies(home), []);

      const { dirs, files } = walk(home);
      assert.ok(files.some((f) => f.endsWith('andon.db')) && files.some((f) => f.endsWith('master.key')) && files.some((f) => f.includes('/blobs/')));
      for (const d of dirs) assert.equal(statSync(d).mode & 0o777, 0o700, d);
      for (const f of files) assert.equal(statSync(f).mode & 0o777, 0o600, f);
    } finally {
      await s.close();
      await rm(home, { recursive: true, force: true });
    }
  },
);
