import { option } from '../config/option.ts';

/**
 * `knmesh serve <function-file-or-url>` options. `PORT` is the variable Knative sets; `FUNC_CONFIG` is
 * where the translator puts Function Mesh's `funcConfig` (JSON).
 */
export const serveOptions = {
  port: option.integer({
    flag: 'port',
    env: 'PORT',
    description: 'HTTP port',
    default: 8080,
    min: 0,
    max: 65535,
  }),
  host: option.string({
    flag: 'host',
    description: 'address to listen on',
    default: '0.0.0.0',
    placeholder: 'address',
  }),
  userConfig: option.string({
    flag: 'user-config',
    env: 'FUNC_CONFIG',
    description: 'user configuration as a JSON object (context.userConfig)',
    placeholder: 'json',
    check: (v) => (isJsonObject(v) ? undefined : 'must be a JSON object'),
  }),
  tenant: option.string({ flag: 'tenant', description: 'Pulsar tenant of the function', default: 'public' }),
  namespace: option.string({
    flag: 'namespace',
    description: 'Pulsar namespace of the function',
    default: 'default',
  }),
  name: option.string({
    flag: 'name',
    description: 'function name (default: the file name)',
    fallbackEnv: ['K_SERVICE'],
    placeholder: 'name',
  }),
  bodyLimitBytes: option.integer({
    flag: 'body-limit-bytes',
    description: 'largest accepted request body',
    default: 5 * 1024 * 1024,
    min: 1,
  }),
  timeoutMs: option.integer({
    flag: 'timeout-ms',
    description: 'time limit of one function invocation (each event of a batch on its own)',
    default: 30_000,
    min: 1,
  }),
  signature: option.enumOf(['auto', 'pulsar', 'knative'], {
    flag: 'signature',
    description:
      'which export to call: pulsar = default export (input, context), knative = handle(context, event); ' +
      'auto picks the one present and refuses a module that has both',
    default: 'auto',
  }),
  startTimeoutMs: option.integer({
    flag: 'start-timeout-ms',
    description: 'time limit for downloading and loading the function and running its init()',
    default: 60_000,
    min: 1,
  }),
  gracePeriodMs: option.integer({
    flag: 'grace-period-ms',
    description: 'time from SIGTERM to exit: in-flight requests finish, then shutdown() runs',
    default: 25_000,
    min: 0,
  }),
  logLevel: option.enumOf(['trace', 'debug', 'info', 'warn', 'error', 'silent'], {
    flag: 'log-level',
    description: 'log level',
    default: 'info',
  }),
};

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
