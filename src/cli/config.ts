// Configuration from the environment, read once at the entry point and passed down as one typed object.
import { resolve } from 'node:path';
import { AndonError } from '../errors.js';

export interface Config {
  home: string;
  port: number;
  host: string;
  bootstrapKey?: string;
  masterKey?: string;
  databaseUrl?: string;
  blobUrl?: string;
  queueUrl?: string;
  logLevel: string;
  maxUploadBytes: number;
  /** Requests per second per API key (bursts of twice that). */
  rateLimitPerSecond: number;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env, overrides: { port?: number; home?: string } = {}): Config {
  const port = overrides.port ?? (env.PORT === undefined || env.PORT === '' ? 8080 : Number(env.PORT));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new AndonError('invalid_input', `PORT must be a port number, got "${env.PORT}"`);
  const maxUploadMb = env.ANDON_MAX_UPLOAD_MB ? Number(env.ANDON_MAX_UPLOAD_MB) : 256;
  if (!Number.isFinite(maxUploadMb) || maxUploadMb <= 0)
    throw new AndonError('invalid_input', `ANDON_MAX_UPLOAD_MB must be a positive number, got "${env.ANDON_MAX_UPLOAD_MB}"`);
  const rate = env.ANDON_RATE_LIMIT ? Number(env.ANDON_RATE_LIMIT) : 10_000;
  if (!Number.isFinite(rate) || rate <= 0)
    throw new AndonError('invalid_input', `ANDON_RATE_LIMIT must be a positive number of requests per second per key, got "${env.ANDON_RATE_LIMIT}"`);
  return {
    rateLimitPerSecond: rate,
    home: resolve(overrides.home ?? env.ANDON_HOME ?? '.andon'),
    port,
    // Loopback unless asked: the embedded default serves this machine only; HOST=0.0.0.0 opens it to the network.
    host: env.HOST || '127.0.0.1',
    ...(env.ANDON_BOOTSTRAP_KEY ? { bootstrapKey: env.ANDON_BOOTSTRAP_KEY } : {}),
    ...(env.ANDON_MASTER_KEY ? { masterKey: env.ANDON_MASTER_KEY } : {}),
    ...(env.ANDON_DATABASE_URL ? { databaseUrl: env.ANDON_DATABASE_URL } : {}),
    ...(env.ANDON_BLOB_URL ? { blobUrl: env.ANDON_BLOB_URL } : {}),
    ...(env.ANDON_QUEUE_URL ? { queueUrl: env.ANDON_QUEUE_URL } : {}),
    logLevel: env.LOG_LEVEL || 'info',
    maxUploadBytes: Math.floor(maxUploadMb * 2 ** 20),
  };
}
