// Logs never carry secrets or personal data: every argument of a log line is scrubbed (security/scrub.ts).
import { scrubDeep } from '../security/scrub.js';

/** pino options for Fastify's logger: JSON lines, the Authorization header never serialised, every argument scrubbed. */
export function scrubbingLogger(level: string, stream?: { write(line: string): void }) {
  return {
    level,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], remove: true },
    hooks: {
      logMethod(this: unknown, args: unknown[], method: (...a: unknown[]) => void) {
        method.apply(
          this,
          args.map((a) => scrubDeep(a)),
        );
      },
    },
    ...(stream ? { stream } : {}),
  };
}
