// Each request's logger, made only when the request logs something at an enabled level.
//
// Fastify gives every request a child of the server's logger bound to its request id. Making a pino child
// serialises its bindings, which profiles of one-row predictions showed at about 1% of a request's CPU, while at
// the usual production level (warn) most requests never log. This stands in for the child and makes the real
// one on the first line that will be written, with the same bindings and options, so the line is the same.
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';

type Bindings = Parameters<FastifyBaseLogger['child']>[0];
type ChildLoggerOptions = NonNullable<Parameters<FastifyBaseLogger['child']>[1]>;

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type Args = Parameters<FastifyBaseLogger['info']>;

/** pino's check of a level; a logger without one (a custom logger) is asked for every line. */
const enabled = (logger: FastifyBaseLogger, level: Level): boolean => (logger as { isLevelEnabled?: (l: string) => boolean }).isLevelEnabled?.(level) ?? true;

export class LazyRequestLogger implements FastifyBaseLogger {
  private made: FastifyBaseLogger | undefined;
  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  private real(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings, this.options));
  }
  private write(level: Level, args: Args): void {
    if (enabled(this.made ?? this.parent, level)) (this.real()[level] as (...a: Args) => void)(...args);
  }

  get level(): string {
    return (this.made ?? this.parent).level;
  }
  set level(level: string) {
    this.real().level = level;
  }
  fatal(...args: Args): void {
    this.write('fatal', args);
  }
  error(...args: Args): void {
    this.write('error', args);
  }
  warn(...args: Args): void {
    this.write('warn', args);
  }
  info(...args: Args): void {
    this.write('info', args);
  }
  debug(...args: Args): void {
    this.write('debug', args);
  }
  trace(...args: Args): void {
    this.write('trace', args);
  }
  silent(): void {}
  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real().child(bindings, options);
  }
}

export const lazyRequestLogger: NonNullable<FastifyServerOptions['childLoggerFactory']> = (logger, bindings, options) =>
  new LazyRequestLogger(logger, bindings, options);
