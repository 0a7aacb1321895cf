import { option } from '../../runtime/config/option.ts';

/** `knmesh dev` options (ADR 0002: one table per process). */
export const devOptions = {
  filename: option.list({
    flag: 'filename',
    short: 'f',
    env: null,
    placeholder: 'path',
    description: 'the Function Mesh YAML or JSON to run, as for translate (repeatable)',
  }),
  pulsarUrl: option.url({
    flag: 'pulsar-url',
    placeholder: 'url',
    protocols: ['pulsar', 'pulsar+ssl'],
    description: 'use this broker instead of the embedded one (knmesh pulsar start)',
  }),
  adminUrl: option.url({
    flag: 'admin-url',
    placeholder: 'url',
    protocols: ['http', 'https'],
    description: 'admin URL of the --pulsar-url broker (bridges create their subscription through it)',
  }),
  pulsarHome: option.string({
    flag: 'pulsar-home',
    env: 'KNMESH_PULSAR_HOME',
    placeholder: 'dir',
    default: '.knmesh/pulsar',
    description: 'instance directory of the embedded broker, reused when one already runs there',
  }),
  pulsarBrokerPort: option.integer({
    flag: 'pulsar-broker-port',
    env: 'KNMESH_PULSAR_BROKER_PORT',
    default: 6650,
    min: 1,
    max: 65535,
    description: 'binary protocol port of the embedded broker when dev starts it',
  }),
  pulsarWebPort: option.integer({
    flag: 'pulsar-web-port',
    env: 'KNMESH_PULSAR_WEB_PORT',
    default: 8080,
    min: 1,
    max: 65535,
    description: 'admin port of the embedded broker when dev starts it',
  }),
  ingressPort: option.integer({
    flag: 'ingress-port',
    default: 8081,
    min: 0,
    max: 65535,
    description: 'port of the ingress events are sent to (0: any free port)',
  }),
  namespace: option.string({
    flag: 'namespace',
    short: 'n',
    env: null,
    placeholder: 'name',
    default: 'default',
    description: 'Kubernetes namespace the objects would run in (for in-cluster addresses)',
  }),
  follow: option.boolean({
    flag: 'follow',
    env: null,
    description: 'print every reply published to the pipeline’s output topics',
  }),
  output: option.enumOf(['text', 'json'], {
    flag: 'output',
    short: 'o',
    env: null,
    default: 'text',
    description: 'text for people, json for scripts (one JSON object per line)',
  }),
  logDir: option.string({
    flag: 'log-dir',
    placeholder: 'dir',
    default: '.knmesh/dev',
    description: 'where each process writes its log',
  }),
  readyTimeoutSeconds: option.integer({
    flag: 'ready-timeout-seconds',
    default: 60,
    min: 1,
    description: 'how long each process may take to become ready',
  }),
  statusIntervalMs: option.integer({
    flag: 'status-interval-ms',
    default: 1000,
    min: 100,
    description: 'how often the counts line is refreshed',
  }),
};
