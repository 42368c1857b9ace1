// Shared by the command-line tests: runs `andon` as a user would (a child process), without blocking this
// process's event loop, so an in-process server can answer it.
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The environment without any ANDON_* setting of the machine running the tests. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ANDON_') && k !== 'PORT') env[k] = v;
  return { ...env, ...extra };
}

export function andon(env: NodeJS.ProcessEnv, ...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '',
      stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** A successful --json run: exactly one JSON object on stdout. */
export function oneJson(run: Run): any {
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  assert.equal(lines.length, 1, `exactly one line of JSON, got: ${run.stdout.slice(0, 300)}`);
  return JSON.parse(lines[0]);
}

/** A failed run: exit 1 and one line `andon: …` on stderr matching `message`. */
export function oneLineError(run: Run, message: RegExp): void {
  assert.equal(run.status, 1, `exit 1, got ${run.status}: ${run.stderr}`);
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got: ${run.stderr}`);
  assert.match(lines[0], /^andon: /);
  assert.match(lines[0], message);
}

export const EXCLUDE = 'UDI,Product ID,TWF,HDF,PWF,OSF,RNF';
export const TARGET = 'Machine failure';
