// `andon serve`: opens the stores, creates the first tenant and admin key on an empty home, serves HTTP, and optionally seeds the demo workspace.
import { bootstrap, createServiceContext, type Bootstrap, type ServiceContext } from '../service/index.js';
import { createDemoWorkspace } from '../service/demo-workspace.js';
import { buildServer, type AndonServer, type ServerOptions } from '../server/app.js';
import { scrubbingLogger } from '../server/log-scrub.js';
import type { Config } from './config.js';

export interface RunningServer {
  url: string;
  ctx: ServiceContext;
  server: AndonServer;
  boot: Bootstrap;
  demo: Promise<void>;
  close(): Promise<void>;
}

export interface ServeOptions {
  /** Seed the demo workspace when this start created the home's first tenant. */
  demo?: boolean;
  demoRows?: number;
  /** Human-readable lines (the admin key, the URL, demo progress): stderr, apart from the JSON logs. */
  say?: (line: string) => void;
  /** Fastify logger option; default JSON lines on stdout at the configured level. */
  logger?: ServerOptions['logger'];
  /** Run training and batch jobs in this process (default true); false when an `andon worker` runs them. */
  runJobs?: boolean;
  /** Further server options (rate limits, the dashboard folder) for tests and embedding. */
  server?: Partial<ServerOptions>;
}

function openContext(config: Config, runJobs: boolean): Promise<ServiceContext> {
  return createServiceContext({
    home: config.home,
    ...(config.masterKey ? { masterKey: config.masterKey } : {}),
    urls: {
      ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
      ...(config.blobUrl ? { blobUrl: config.blobUrl } : {}),
      ...(config.queueUrl ? { queueUrl: config.queueUrl } : {}),
    },
    // Recovery hands back every job left running: only the process that runs jobs may do it.
    consume: runJobs,
    recover: runJobs,
  });
}

/** `andon worker`: the job consumer alone, for a server started with --no-jobs. */
export async function startWorker(
  config: Config,
  say: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<{ ctx: ServiceContext; close(): Promise<void> }> {
  const ctx = await openContext(config, true);
  // The queue's poll timer does not hold the process open (a server's listening socket does); a worker has
  // nothing else, so it keeps itself alive until it is closed.
  const alive = setInterval(() => {}, 60_000);
  say(`Andon worker running training and batch jobs for ${config.home}`);
  return {
    ctx,
    close: async () => {
      clearInterval(alive);
      await ctx.close();
    },
  };
}

export async function startServer(config: Config, options: ServeOptions = {}): Promise<RunningServer> {
  const say = options.say ?? ((l: string) => process.stderr.write(`${l}\n`));
  const ctx = await openContext(config, options.runJobs ?? true);
  let server: AndonServer;
  let boot: Bootstrap;
  try {
    boot = await bootstrap(ctx, { bootstrapKey: config.bootstrapKey });
    server = await buildServer(ctx, {
      logger: options.logger ?? scrubbingLogger(config.logLevel),
      maxUploadBytes: config.maxUploadBytes,
      rateLimit: { perSecond: config.rateLimitPerSecond, burst: 2 * config.rateLimitPerSecond },
      ...options.server,
    });
    await server.app.listen({ port: config.port, host: config.host });
  } catch (e) {
    await ctx.close();
    throw e;
  }
  const address = server.app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const bound = typeof address === 'object' && address ? address.address : config.host;
  const hostOf = (a: string) => (a.includes(':') ? `[${a}]` : a);
  // The address it bound is what is printed; a wildcard bind (every interface) is also reachable here on loopback, the URL for this machine.
  const wildcard = bound === '0.0.0.0' || bound === '::';
  const url = `http://${wildcard ? '127.0.0.1' : hostOf(bound)}:${port}`;
  const where = wildcard ? `http://${hostOf(bound)}:${port}, every network interface (here: ${url})` : url;
  say(`Andon is listening on ${where} (data in ${config.home}; API docs at ${url}/docs)`);
  if (boot.adminKey && !config.bootstrapKey) say(`Admin API key (shown once, stored only as a hash): ${boot.adminKey}`);
  const warm = server.warmUp().catch((e) => server.app.log.error({ err: e }, 'warm-up failed'));
  const demo = !(options.demo && boot.created)
    ? warm
    : warm
        .then(async () => {
          say('Creating the demo workspace: generated machine data, a predictive-maintenance model, a deployment…');
          const d = await createDemoWorkspace(ctx, boot.tenantId, { ...(options.demoRows ? { rows: options.demoRows } : {}), log: say, actor: 'system' });
          const key = boot.adminKey && !config.bootstrapKey ? boot.adminKey : '$ANDON_API_KEY';
          say('Demo ready. Try a prediction:');
          say(
            `curl -s ${url}/api/v1/deployments/${d.deployment}/predict -H 'Authorization: Bearer ${key}' -H 'Content-Type: application/json' -d '${JSON.stringify({ rows: [d.sampleRow] })}'`,
          );
        })
        .catch((e) => say(`The demo workspace could not be created: ${(e as Error).message}`));
  let closing: Promise<void> | null = null;
  return {
    url,
    ctx,
    server,
    boot,
    demo,
    close: () =>
      (closing ??= (async () => {
        await server.app.close();
        await ctx.close();
      })()),
  };
}
