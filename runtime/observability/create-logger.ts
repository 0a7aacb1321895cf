import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';

/** The logging surface components depend on; pino's logger satisfies it, tests can pass a silent one. */
export type Logger = Pick<
  PinoLogger,
  'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'child' | 'level'
>;

export interface LoggerOptions {
  readonly level: string;
  /** Fields on every line, e.g. `{ component: 'bridge', function: 'public/default/fn' }`. */
  readonly base?: Record<string, unknown>;
  /** Where lines go; stdout (JSON lines, as Kubernetes expects) by default. */
  readonly destination?: DestinationStream;
}

// Secret-bearing fields are censored wherever they appear in a log record.
const REDACT = [
  'authToken',
  'authParams',
  'token',
  'password',
  'authorization',
  '*.authToken',
  '*.authParams',
  '*.token',
  '*.password',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
];

/** One JSON logger per process (pino), with secrets redacted. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { ...options.base },
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** A logger that drops everything (unit tests, library defaults). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
