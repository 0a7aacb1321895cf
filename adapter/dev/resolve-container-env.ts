import type { ContainerSpec } from './container-spec.ts';

export interface EnvContext {
  /** What `metadata.namespace` (downward API) reads as locally. */
  readonly namespace: string;
  /** ConfigMaps known locally, by name (for `knmesh dev`: the Pulsar connection). */
  readonly configMaps: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** dev's own environment: the only place a Secret's value can come from locally. */
  readonly hostEnv: Readonly<Record<string, string | undefined>>;
  /** Knative Service name → local base URL (`http://127.0.0.1:port`). */
  readonly serviceUrls: Readonly<Record<string, string>>;
}

export interface ResolvedEnv {
  readonly env: Record<string, string>;
  /** What could not be reproduced locally, one line each. */
  readonly notes: string[];
}

// An in-cluster address of a Service: http://<name>[.<namespace>.svc.<domain>][:port][/path]
const CLUSTER_URL =
  /^(https?):\/\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)((?:\.[a-z0-9-]+)*\.svc(?:\.[a-z0-9.-]+)?)?(?::\d+)?(\/.*)?$/;

/** Expands `$(VAR)` like Kubernetes: from variables defined before; `$$(VAR)` stays literal. */
function expand(value: string, defined: Readonly<Record<string, string>>): string {
  return value.replace(/\$\$\(|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (match, name: string | undefined) =>
    name === undefined ? '$(' : (defined[name] ?? match),
  );
}

/**
 * The environment a container would see in the cluster, rebuilt locally: `envFrom` first, then
 * `env` (later entries win), `$(VAR)` expanded, the downward-API namespace filled in, and
 * in-cluster URLs of Knative Services rewritten to the local processes that stand in for them.
 * Secrets are never read from manifests; a secret variable takes its value from dev's own
 * environment when set there, and is otherwise reported in `notes`.
 */
export function resolveContainerEnv(container: ContainerSpec, context: EnvContext): ResolvedEnv {
  const env: Record<string, string> = {};
  const notes: string[] = [];
  for (const source of container.envFrom ?? []) {
    const prefix = source.prefix ?? '';
    if (source.configMapRef !== undefined) {
      const data = context.configMaps[source.configMapRef.name];
      if (data === undefined)
        notes.push(`ConfigMap ${source.configMapRef.name} (envFrom) is not available locally`);
      else for (const [k, v] of Object.entries(data)) env[prefix + k] = v;
    } else if (source.secretRef !== undefined) {
      notes.push(
        `Secret ${source.secretRef.name} (envFrom) is not read locally; set its keys in your environment if needed`,
      );
    }
  }
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) {
      env[variable.name] = rewriteServiceUrl(expand(variable.value, env), context.serviceUrls);
      continue;
    }
    const from = variable.valueFrom;
    if (from?.fieldRef?.fieldPath === 'metadata.namespace') {
      env[variable.name] = context.namespace;
    } else if (from?.configMapKeyRef !== undefined) {
      const value = context.configMaps[from.configMapKeyRef.name]?.[from.configMapKeyRef.key];
      if (value === undefined)
        notes.push(`${variable.name}: ConfigMap ${from.configMapKeyRef.name} is not available locally`);
      else env[variable.name] = value;
    } else if (from?.secretKeyRef !== undefined) {
      const value = context.hostEnv[variable.name];
      if (value === undefined) {
        notes.push(
          `${variable.name}: from Secret ${from.secretKeyRef.name} (key ${from.secretKeyRef.key}); export ${variable.name} to set it locally`,
        );
      } else env[variable.name] = value;
    } else {
      notes.push(`${variable.name}: this kind of valueFrom is not reproduced locally`);
    }
  }
  return { env, notes };
}

/** `http://fn.ns.svc.cluster.local/x` → `http://127.0.0.1:1234/x` when `fn` runs locally. */
export function rewriteServiceUrl(value: string, serviceUrls: Readonly<Record<string, string>>): string {
  const match = CLUSTER_URL.exec(value);
  if (match === null) return value;
  const local = serviceUrls[match[2]!];
  if (local === undefined || (match[4] === undefined && !value.startsWith(`${match[1]}://${match[2]}`)))
    return value;
  return local + (match[5] ?? '');
}
