import type { Component } from './component.ts';
import type { Diagnostics } from './diagnostics.ts';
import type { ComponentKind } from './field-table.ts';

export const KNMESH_PREFIX = 'knmesh.dev/';

export interface KnmeshSettings {
  /** `cloudevents`: `spec.image` is a CloudEvents HTTP server (or emitter) run as is. */
  readonly protocol: 'cloudevents' | undefined;
  /** Input topics (as written) whose KEDA trigger reads `/partitioned-stats`; `'*'` for all. */
  readonly partitionedTopics: readonly string[];
  readonly backlogThreshold: number | undefined;
  readonly activationBacklogThreshold: number;
  readonly pollingInterval: number;
  readonly cooldownPeriod: number;
  readonly kedaTokenKey: string;
  /** Topics besides the output topic that replies may name (`--allowed-reply-topic`). */
  readonly replyTopics: readonly string[];
  /** The bridge's `--delivery`; undefined: its default (binary). */
  readonly delivery: { readonly mode: DeliveryAnnotation; readonly path: Path } | undefined;
  /** The bridge's `--batch-size`, with where it was written. */
  readonly batchSize: { readonly value: number; readonly path: Path } | undefined;
}

type Path = readonly (string | number)[];

export const DELIVERY_MODES = ['binary', 'structured', 'batch'] as const;
export type DeliveryAnnotation = (typeof DELIVERY_MODES)[number];

export interface AnnotationEntry {
  readonly key: string;
  readonly kinds: readonly ComponentKind[];
  readonly default: string;
  readonly note: string;
}

/** The annotations knmesh reads, for the docs and for rejecting unknown (misspelt) ones. */
export const knmeshAnnotations: readonly AnnotationEntry[] = [
  {
    key: 'knmesh.dev/protocol',
    kinds: ['Function', 'Source', 'Sink'],
    default: '(none)',
    note: '`cloudevents`: spec.image is run as is: a CloudEvents HTTP server (Function, Sink) or a CloudEvents emitter posting to K_SINK (Source)',
  },
  {
    key: 'knmesh.dev/partitioned-topics',
    kinds: ['Function', 'Sink'],
    default: '(none)',
    note: 'comma-separated input topics that are partitioned, or `*` for all: their KEDA trigger sets isPartitionedTopic',
  },
  {
    key: 'knmesh.dev/backlog-threshold',
    kinds: ['Function', 'Sink'],
    default: 'maxPendingAsyncRequests, else 1000',
    note: 'KEDA msgBacklogThreshold: backlog per bridge replica',
  },
  {
    key: 'knmesh.dev/activation-backlog-threshold',
    kinds: ['Function', 'Sink'],
    default: '0',
    note: 'KEDA activationMsgBacklogThreshold: the bridge wakes from zero above this backlog',
  },
  {
    key: 'knmesh.dev/polling-interval',
    kinds: ['Function', 'Sink'],
    default: '10',
    note: 'KEDA pollingInterval in seconds: how soon a bridge at zero notices backlog',
  },
  {
    key: 'knmesh.dev/cooldown-period',
    kinds: ['Function', 'Sink'],
    default: '300',
    note: 'KEDA cooldownPeriod in seconds before the bridge scales to zero',
  },
  {
    key: 'knmesh.dev/keda-token-key',
    kinds: ['Function', 'Sink'],
    default: 'token',
    note: 'key of pulsar.authSecret holding the raw admin token that KEDA sends as bearer token',
  },
  {
    key: 'knmesh.dev/reply-topics',
    kinds: ['Function'],
    default: '(none)',
    note: 'comma-separated topics besides output.topic that the function may publish replies to (bridge --allowed-reply-topic)',
  },
  {
    key: 'knmesh.dev/delivery',
    kinds: ['Function', 'Sink'],
    default: 'binary',
    note: 'how the bridge posts messages (bridge --delivery): `binary` or `structured` (one CloudEvent per request) or `batch` (several per request, for throughput; needs the knmesh function host, not a knmesh.dev/protocol: cloudevents image)',
  },
  {
    key: 'knmesh.dev/batch-size',
    kinds: ['Function', 'Sink'],
    default: '100',
    note: 'messages per request with knmesh.dev/delivery: batch (bridge --batch-size)',
  },
];

const KNOWN = new Set(knmeshAnnotations.map((a) => a.key));

/**
 * Reads the knmesh.dev annotations of a component: the object's own (for a FunctionMesh member,
 * the FunctionMesh's), overridden by the component's `spec.pod.annotations`, the only annotations
 * a FunctionMesh member has.
 */
export function readKnmeshSettings(component: Component, diagnostics: Diagnostics): KnmeshSettings {
  const podPath = [...component.specPath, 'pod', 'annotations'];
  const found = new Map<string, { value: string; path: readonly (string | number)[] }>();
  const collect = (map: Readonly<Record<string, string>> | undefined, base: readonly (string | number)[]) => {
    for (const [key, value] of Object.entries(map ?? {})) {
      if (!key.startsWith(KNMESH_PREFIX)) continue;
      if (!KNOWN.has(key)) {
        diagnostics.error({
          path: [...base, key],
          rule: `unknown knmesh annotation (known: ${[...KNOWN].join(', ')})`,
        });
        continue;
      }
      found.set(key, { value, path: [...base, key] });
    }
  };
  collect(component.annotations, component.annotationsPath);
  collect(component.spec.pod?.annotations, podPath);

  for (const [key, { path }] of found) {
    const entry = knmeshAnnotations.find((a) => a.key === key)!;
    if (!entry.kinds.includes(component.kind)) {
      diagnostics.warning({ path, rule: `ignored: applies to ${entry.kinds.join(', ')} only` });
    }
  }

  const integer = (key: string, min: number): number | undefined => {
    const item = found.get(key);
    if (item === undefined) return undefined;
    if (!/^\d+$/.test(item.value) || Number(item.value) < min || Number(item.value) > 2 ** 31 - 1) {
      diagnostics.error({
        path: item.path,
        rule: `must be an integer of at least ${min}`,
        value: item.value,
      });
      return undefined;
    }
    return Number(item.value);
  };
  const list = (key: string): string[] =>
    (found.get(key)?.value ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');

  let protocol: KnmeshSettings['protocol'];
  const protocolItem = found.get('knmesh.dev/protocol');
  if (protocolItem !== undefined) {
    if (protocolItem.value === 'cloudevents') protocol = 'cloudevents';
    else
      diagnostics.error({ path: protocolItem.path, rule: 'must be cloudevents', value: protocolItem.value });
  }
  const tokenKey = found.get('knmesh.dev/keda-token-key');
  if (tokenKey !== undefined && !/^[-._a-zA-Z0-9]+$/.test(tokenKey.value)) {
    diagnostics.error({ path: tokenKey.path, rule: 'must be a Secret key', value: tokenKey.value });
  }

  let delivery: KnmeshSettings['delivery'];
  const deliveryItem = found.get('knmesh.dev/delivery');
  if (deliveryItem !== undefined) {
    const mode = DELIVERY_MODES.find((m) => m === deliveryItem.value);
    if (mode !== undefined) delivery = { mode, path: deliveryItem.path };
    else
      diagnostics.error({
        path: deliveryItem.path,
        rule: `must be ${DELIVERY_MODES.join(', ')}`,
        value: deliveryItem.value,
      });
  }
  const batchSizeValue = integer('knmesh.dev/batch-size', 1);
  const batchSize =
    batchSizeValue === undefined
      ? undefined
      : { value: batchSizeValue, path: found.get('knmesh.dev/batch-size')!.path };

  return {
    protocol,
    delivery,
    batchSize,
    partitionedTopics: list('knmesh.dev/partitioned-topics'),
    backlogThreshold: integer('knmesh.dev/backlog-threshold', 1),
    activationBacklogThreshold: integer('knmesh.dev/activation-backlog-threshold', 0) ?? 0,
    pollingInterval: integer('knmesh.dev/polling-interval', 1) ?? 10,
    cooldownPeriod: integer('knmesh.dev/cooldown-period', 0) ?? 300,
    kedaTokenKey: tokenKey?.value ?? 'token',
    replyTopics: list('knmesh.dev/reply-topics'),
  };
}
