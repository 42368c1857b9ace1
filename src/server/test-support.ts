// Test support for the HTTP edge: a real server on a random port over a temporary home, a fetch helper with a key, captured JSON logs.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfig } from '../cli/config.js';
import { startServer, type RunningServer } from '../cli/serve.js';
import { scrubbingLogger } from './log-scrub.js';
import type { ServerOptions } from './app.js';

export const TEST_ADMIN_KEY = 'andon_0123456789ab_abcdefghijklmnopqrstuvwxyz012345';

export interface TestServer {
  url: string;
  home: string;
  running: RunningServer;
  /** Every JSON log line the server wrote. */
  logs: string[];
  call(
    method: string,
    path: string,
    init?: { key?: string | null; json?: unknown; body?: string | Uint8Array; type?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any; text: string; headers: Headers }>;
  close(): Promise<void>;
}

export async function startTestServer(options: { home?: string; server?: Partial<ServerOptions> } = {}): Promise<TestServer> {
  const home = options.home ?? (await mkdtemp(join(tmpdir(), 'andon-http-')));
  const logs: string[] = [];
  const running = await startServer(
    { ...readConfig({}, { port: 0, home }), host: '127.0.0.1', bootstrapKey: TEST_ADMIN_KEY },
    {
      say: () => {},
      logger: scrubbingLogger('info', {
        write: (line: string) => {
          logs.push(line);
        },
      }),
      ...(options.server ? { server: options.server } : {}),
    },
  );
  await running.demo; // the warm-up
  const call: TestServer['call'] = async (method, path, init = {}) => {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    const key = init.key === undefined ? TEST_ADMIN_KEY : init.key;
    if (key) headers.authorization = `Bearer ${key}`;
    let body: string | Uint8Array | undefined = init.body;
    if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers['content-type'] = 'application/json';
    }
    if (init.type) headers['content-type'] = init.type;
    const res = await fetch(`${running.url}${path}`, {
      method,
      headers,
      body: typeof body === 'string' || body === undefined ? body : new Blob([Buffer.from(body)]),
    });
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    return { status: res.status, body: parsed, text, headers: res.headers };
  };
  return {
    url: running.url,
    home,
    running,
    logs,
    call,
    close: async () => {
      await running.close();
      if (!options.home) await rm(home, { recursive: true, force: true });
    },
  };
}

/** Polls until `done` holds (no timing assertions: it only waits). */
export async function until<T>(get: () => Promise<T>, done: (v: T) => boolean, pauseMs = 100): Promise<T> {
  for (;;) {
    const v = await get();
    if (done(v)) return v;
    await new Promise((r) => setTimeout(r, pauseMs));
  }
}
