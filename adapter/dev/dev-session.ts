import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { bridgeOptions } from '../../runtime/bridge/bridge-options.ts';
import { envNameOf, type ConfigOf } from '../../runtime/config/option.ts';
import { parseOptions } from '../../runtime/config/parse-options.ts';
import { BRIDGE_ROUTES } from '../../runtime/bridge/bridge-routes.ts';
import { HOST_ROUTES } from '../../runtime/host/host-routes.ts';
import { INGRESS_ROUTES } from '../../runtime/ingress/ingress-routes.ts';
import { ingressOptions } from '../../runtime/ingress/ingress-options.ts';
import { findFreePort, isPortFree } from '../../runtime/net/port-availability.ts';
import type { KubernetesObject } from '../translate/kubernetes-object.ts';
import { describeExit, ManagedProcess } from './managed-process.ts';
import { planLocalRun, type LocalProcessSpec, type LocalRole, type SkippedObject } from './plan-local-run.ts';
import { resolveContainerEnv } from './resolve-container-env.ts';

const READINESS: Readonly<Record<LocalRole, string>> = {
  serve: HOST_ROUTES.readiness,
  bridge: BRIDGE_ROUTES.readiness,
  ingress: INGRESS_ROUTES.readiness,
};
// The only variables a child inherits from dev: what Node and the OS need to run.
const INHERITED = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'LC_ALL', 'TZ', 'SYSTEMROOT'];
const PULSAR_CONFIG_KEYS = { broker: 'brokerServiceURL', admin: 'webServiceURL' } as const;

type BridgeConfig = ConfigOf<typeof bridgeOptions>;

export interface DevSessionOptions {
  readonly objects: readonly KubernetesObject[];
  /** The image the objects were translated with: its containers are what dev runs. */
  readonly image: string;
  /** Directories of the `-f` inputs: relative function files are also looked up there. */
  readonly inputDirs: readonly string[];
  readonly cwd: string;
  readonly namespace: string;
  readonly brokerUrl: string;
  readonly adminUrl: string | undefined;
  /** Port of the first ingress (the one the printed curl command uses); 0 picks a free one. */
  readonly ingressPort: number;
  readonly logDir: string;
  readonly readyTimeoutMs: number;
  readonly stopGraceMs: number;
  readonly hostEnv: Readonly<Record<string, string | undefined>>;
  readonly onProgress: (line: string) => void;
}

export interface RunningProcess {
  readonly name: string;
  readonly role: LocalRole;
  readonly pid: number | undefined;
  readonly url: string;
  readonly logFile: string;
}

export interface DevReady {
  readonly processes: readonly RunningProcess[];
  /** Where to send events: ingress URL and the topic it publishes to. */
  readonly ingresses: readonly { readonly url: string; readonly topic: string }[];
  /** Topics at the end of the local pipeline: replies land here. */
  readonly outputTopics: readonly string[];
  readonly skipped: readonly SkippedObject[];
  /** Settings that could not be reproduced locally. */
  readonly notes: readonly string[];
}

interface Started {
  readonly spec: LocalProcessSpec;
  readonly process: ManagedProcess;
  readonly url: string;
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Runs translated Function Mesh objects on this machine: each knmesh container (function host,
 * bridge, ingress) as a local process with the environment the cluster would give it, pointed at
 * a local broker, plus an ingress for every input topic nothing else feeds. `start()` brings them
 * up in dependency order and waits for readiness; `stop()` stops them in reverse order.
 */
export class DevSession {
  readonly #options: DevSessionOptions;
  readonly #started: Started[] = [];
  #stopping = false;
  #failure: ((message: string) => void) | undefined;
  /** Resolves with a message when a process exits while the session runs. */
  readonly failed: Promise<string>;

  constructor(options: DevSessionOptions) {
    this.#options = options;
    this.failed = new Promise((resolve) => (this.#failure = resolve));
  }

  get processes(): readonly RunningProcess[] {
    return this.#started.map((s) => ({
      name: s.spec.name,
      role: s.spec.role,
      pid: s.process.pid,
      url: s.url,
      logFile: s.process.logFile,
    }));
  }

  /** Base URLs of the running bridges (their /metrics feed the status line). */
  get bridgeUrls(): readonly string[] {
    return this.#started.filter((s) => s.spec.role === 'bridge').map((s) => s.url);
  }

  async start(): Promise<DevReady> {
    const o = this.#options;
    await mkdir(o.logDir, { recursive: true });
    const plan = planLocalRun(o.objects, o.image);
    const notes: string[] = [];
    const pulsar: Record<string, string> = { [PULSAR_CONFIG_KEYS.broker]: o.brokerUrl };
    if (o.adminUrl !== undefined) pulsar[PULSAR_CONFIG_KEYS.admin] = o.adminUrl;
    const serviceUrls: Record<string, string> = {};

    const serves = plan.processes.filter((p) => p.role === 'serve');
    const bridges = plan.processes.filter((p) => p.role === 'bridge');
    const ingresses = [...plan.processes.filter((p) => p.role === 'ingress')];
    if (serves.length + bridges.length === 0) {
      throw new Error(
        'nothing to run locally: no function runs on knmesh serve (genericRuntime nodejs); ' +
          plan.skipped.map((s) => `${s.kind} ${s.name}: ${s.reason}`).join('; '),
      );
    }

    // Ports are chosen before anything starts, so URLs can be wired into every environment.
    const ports = new Map<LocalProcessSpec, number>();
    for (const spec of [...serves, ...bridges]) ports.set(spec, await findFreePort());
    for (const spec of serves) serviceUrls[spec.serviceName!] = `http://127.0.0.1:${ports.get(spec)}`;

    // Bridges as the cluster configures them; their topics decide which extra ingresses dev adds.
    const bridgeConfigs = new Map<LocalProcessSpec, { env: Record<string, string>; config: BridgeConfig }>();
    for (const spec of bridges) bridgeConfigs.set(spec, this.bridgeConfig(spec, pulsar, serviceUrls, notes));
    const fed = new Set<string>();
    for (const spec of ingresses) {
      const topic = this.envOf(spec, { pulsar, serviceUrls, notes: [] })[
        envNameOf(ingressOptions.topic, 'KNMESH_')!
      ];
      if (topic !== undefined) fed.add(topic);
    }
    const produced = new Set<string>();
    const consumed = new Set<string>();
    for (const { config } of bridgeConfigs.values()) {
      for (const t of [config.output, ...config.allowedReplyTopics]) if (t !== undefined) produced.add(t);
      for (const t of config.input) consumed.add(t);
    }
    for (const [spec, { config }] of bridgeConfigs) {
      const entry = config.input.find((t) => !fed.has(t) && !produced.has(t));
      if (entry === undefined) {
        if (config.inputPattern !== undefined)
          notes.push(`${spec.name}: input pattern ${config.inputPattern}: no ingress`);
        continue;
      }
      fed.add(entry);
      ingresses.push({
        name: `${spec.name.replace(/-bridge$/, '')}-dev-ingress`,
        role: 'ingress',
        serviceName: undefined,
        container: {
          name: 'ingress',
          image: o.image,
          args: ['ingress'],
          env: [
            { name: envNameOf(ingressOptions.topic, 'KNMESH_')!, value: entry },
            { name: envNameOf(ingressOptions.name, 'KNMESH_')!, value: `knmesh-dev/${spec.name}` },
          ],
          envFrom: [{ configMapRef: { name: 'knmesh-dev-pulsar' } }],
        },
      });
    }
    let firstIngress = true;
    for (const spec of ingresses) {
      let port = await findFreePort();
      if (firstIngress && o.ingressPort !== 0) {
        if (!(await isPortFree(o.ingressPort))) {
          throw new Error(`port ${o.ingressPort} on 127.0.0.1 is taken; choose another with --ingress-port`);
        }
        port = o.ingressPort;
      }
      firstIngress = false;
      ports.set(spec, port);
      if (spec.serviceName !== undefined) serviceUrls[spec.serviceName] = `http://127.0.0.1:${port}`;
    }

    for (const spec of serves) {
      const env = this.envOf(spec, { pulsar, serviceUrls, notes });
      env['PORT'] = String(ports.get(spec));
      await this.launch(spec, this.serveArgs(spec), env, ports.get(spec)!);
    }
    for (const spec of bridges) {
      const env = { ...bridgeConfigs.get(spec)!.env };
      env[envNameOf(bridgeOptions.port, 'KNMESH_')!] = String(ports.get(spec));
      await this.launch(spec, spec.container.args ?? ['bridge'], env, ports.get(spec)!);
    }
    const ingressInfo: { url: string; topic: string }[] = [];
    for (const spec of ingresses) {
      const env = this.envOf(spec, { pulsar, serviceUrls, notes });
      env['PORT'] = String(ports.get(spec));
      await this.launch(spec, spec.container.args ?? ['ingress'], env, ports.get(spec)!);
      ingressInfo.push({
        url: `http://127.0.0.1:${ports.get(spec)}/`,
        topic: env[envNameOf(ingressOptions.topic, 'KNMESH_')!] ?? '',
      });
    }
    return {
      processes: this.processes,
      ingresses: ingressInfo,
      outputTopics: [...produced].filter((t) => !consumed.has(t)),
      skipped: plan.skipped,
      notes: [...new Set(notes)],
    };
  }

  /** Stops every process in reverse start order (ingresses, bridges, functions). */
  async stop(): Promise<void> {
    this.#stopping = true;
    for (const started of [...this.#started].reverse()) {
      if (!started.process.running) continue;
      this.#options.onProgress(`stopping ${started.spec.name}`);
      await started.process.stop(this.#options.stopGraceMs);
    }
  }

  private bridgeConfig(
    spec: LocalProcessSpec,
    pulsar: Readonly<Record<string, string>>,
    serviceUrls: Readonly<Record<string, string>>,
    notes: string[],
  ): { env: Record<string, string>; config: BridgeConfig } {
    const env = this.envOf(spec, { pulsar, serviceUrls, notes });
    // The very parse the bridge will do: dev reads the bridge's topics the way the bridge reads them.
    const { config } = parseOptions(bridgeOptions, { argv: [], env });
    return { env, config };
  }

  private envOf(
    spec: LocalProcessSpec,
    context: {
      pulsar: Readonly<Record<string, string>>;
      serviceUrls: Readonly<Record<string, string>>;
      notes: string[];
    },
  ): Record<string, string> {
    const o = this.#options;
    // Bridges and ingresses read the Pulsar connection from the ConfigMap they mount with envFrom.
    const configMaps: Record<string, Readonly<Record<string, string>>> = {};
    if (spec.role !== 'serve') {
      for (const source of spec.container.envFrom ?? []) {
        if (source.configMapRef !== undefined) configMaps[source.configMapRef.name] = context.pulsar;
      }
    }
    const resolved = resolveContainerEnv(spec.container, {
      namespace: o.namespace,
      configMaps,
      hostEnv: o.hostEnv,
      serviceUrls: context.serviceUrls,
    });
    for (const note of resolved.notes) context.notes.push(`${spec.name}: ${note}`);
    const env: Record<string, string> = {};
    for (const name of INHERITED) {
      const value = o.hostEnv[name];
      if (value !== undefined) env[name] = value;
    }
    // Locally every server listens on loopback only (in a pod they bind all interfaces).
    return { ...env, ...resolved.env, KNMESH_HOST: '127.0.0.1' };
  }

  /** `serve <file>`: a relative file is looked up in the working directory, then beside the inputs. */
  private serveArgs(spec: LocalProcessSpec): string[] {
    const args = [...(spec.container.args ?? [])];
    const file = args[1];
    if (file !== undefined && !/^https?:\/\//.test(file) && !isAbsolute(file)) {
      const candidates = [
        resolve(this.#options.cwd, file),
        ...this.#options.inputDirs.map((d) => resolve(d, file)),
      ];
      const found = candidates.find((c) => existsSync(c));
      if (found !== undefined) args[1] = found;
    }
    return args;
  }

  private async launch(
    spec: LocalProcessSpec,
    args: readonly string[],
    env: Record<string, string>,
    port: number,
  ): Promise<void> {
    const o = this.#options;
    if (this.#stopping) throw new Error(`not starting ${spec.name}: stopping`);
    const url = `http://127.0.0.1:${port}`;
    o.onProgress(`starting ${spec.name} (knmesh ${args.join(' ')}) on ${url}`);
    const child = ManagedProcess.start({
      name: spec.name,
      args,
      env,
      cwd: o.cwd,
      logFile: join(o.logDir, `${spec.name}.log`),
    });
    this.#started.push({ spec, process: child, url, env });
    void child.exited.then((exit) => {
      if (!this.#stopping) this.#failure?.(`${spec.name} exited (${describeExit(exit)})${child.tail()}`);
    });
    await child.waitReady(`${url}${READINESS[spec.role]}`, o.readyTimeoutMs);
  }
}

/** Directories of the `-f` inputs (stdin contributes none). */
export function inputDirectories(filenames: readonly string[], cwd: string): string[] {
  return filenames.filter((f) => f !== '-').map((f) => dirname(resolve(cwd, f)));
}
