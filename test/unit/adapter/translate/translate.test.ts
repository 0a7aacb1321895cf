/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-argument --
   the generated objects are plain JSON; the tests read them as such. */
import { describe, expect, it } from 'vitest';
import { bridgeOptions } from '../../../../runtime/bridge/bridge-options.ts';
import { parseOptions } from '../../../../runtime/config/parse-options.ts';
import { serveOptions } from '../../../../runtime/host/serve-options.ts';
import { ingressOptions } from '../../../../runtime/ingress/ingress-options.ts';
import { formatPath } from '../../../../adapter/translate/format-path.ts';
import { renderManifests } from '../../../../adapter/translate/render-manifests.ts';
import { translate, type DocumentTranslation } from '../../../../adapter/translate/translate.ts';
import type { TranslateOptions } from '../../../../adapter/translate/translate-options.ts';

const OPTIONS: TranslateOptions = {
  image: 'ghcr.io/knmesh/knmesh:test',
  namespace: undefined,
  clusterDomain: 'cluster.local',
  strict: false,
  passthrough: false,
};

function fn(
  spec: Record<string, unknown> = {},
  metadata: Record<string, unknown> = {},
  kind = 'Function',
): any {
  return {
    apiVersion: 'compute.functionmesh.io/v1alpha1',
    kind,
    metadata: { name: 'fn', ...metadata },
    spec: {
      input: { topics: ['in'] },
      ...(kind === 'Function' ? { output: { topic: 'out' } } : {}),
      genericRuntime: { language: 'nodejs', functionFile: 'fn.ts' },
      resources: { requests: { memory: '64Mi' }, limits: { memory: '64Mi' } },
      pulsar: { pulsarConfig: 'pulsar-config' },
      ...spec,
    },
  };
}

function one(doc: unknown, options: Partial<TranslateOptions> = {}): DocumentTranslation {
  return translate([doc], { ...OPTIONS, ...options })[0]!;
}

function messages(result: DocumentTranslation): string[] {
  return result.diagnostics.map(
    (d) => `${d.severity} ${formatPath(d.path)}${d.shown === undefined ? '' : ` = ${d.shown}`}: ${d.rule}`,
  );
}

const find = (r: DocumentTranslation, kind: string): any => r.objects.find((o) => o.kind === kind);
function bridgeEnv(r: DocumentTranslation): Record<string, string> {
  const deployment = r.objects.find(
    (o) => o.kind === 'Deployment' && o.metadata.name.endsWith('-bridge'),
  ) as any;
  return Object.fromEntries(
    deployment.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]),
  );
}

describe('subscriptions', () => {
  it('default to <tenant>/<namespace>/<name>, earliest, shared, like Function Mesh', () => {
    const r = one(fn({ tenant: 'acme', namespace: 'sales', name: 'pulsar-fn' }));
    expect(messages(r)).toEqual([]);
    const env = bridgeEnv(r);
    expect(env['KNMESH_SUBSCRIPTION']).toBe('acme/sales/pulsar-fn');
    expect(env['KNMESH_SUBSCRIPTION_POSITION']).toBe('earliest');
    expect(env['KNMESH_SUBSCRIPTION_TYPE']).toBe('shared');
    expect(find(r, 'ScaledObject').spec.triggers[0].metadata.subscription).toBe('acme/sales/pulsar-fn');
  });

  it.each([
    [{ retainOrdering: true }, 'failover'],
    [{ processingGuarantee: 'effectively_once' }, 'failover'],
    [{ retainKeyOrdering: true }, 'key_shared'],
    [{ processingGuarantee: 'atmost_once' }, 'shared'],
  ])('%j gives a %s subscription', (spec, type) => {
    expect(bridgeEnv(one(fn(spec)))['KNMESH_SUBSCRIPTION_TYPE']).toBe(type);
  });

  it('default the dead-letter topic as Function Mesh does', () => {
    expect(bridgeEnv(one(fn({ maxMessageRetry: 2 })))['KNMESH_DEAD_LETTER_TOPIC']).toBe(
      'persistent://public/default/public-default-fn-DLQ',
    );
    expect(
      bridgeEnv(one(fn({ maxMessageRetry: 2, subscriptionName: 'sub' })))['KNMESH_DEAD_LETTER_TOPIC'],
    ).toBe('persistent://public/default/in-sub-DLQ');
    // A Functions-style subscription name: its / become - (a topic name cannot hold them).
    expect(
      bridgeEnv(one(fn({ maxMessageRetry: 2, subscriptionName: 'acme/orders/sub' })))[
        'KNMESH_DEAD_LETTER_TOPIC'
      ],
    ).toBe('persistent://public/default/in-acme-orders-sub-DLQ');
    const two = one(fn({ maxMessageRetry: 2, subscriptionName: 'sub', input: { topics: ['a', 'b'] } }));
    expect(bridgeEnv(two)['KNMESH_DEAD_LETTER_TOPIC']).toBe(
      'persistent://public/default/public-default-fn-DLQ',
    );
    expect(messages(two)).toEqual([
      "warning spec.deadLetterTopic: Pulsar's default dead-letter topic is one per input topic, the bridge has one: using persistent://public/default/public-default-fn-DLQ; set deadLetterTopic to choose",
    ]);
    expect(bridgeEnv(one(fn()))['KNMESH_DEAD_LETTER_TOPIC']).toBeUndefined();
  });
});

describe('scaling', () => {
  it('scales to zero by default, bounded by maxReplicas, for the function and its bridge', () => {
    const r = one(fn({ maxReplicas: 7 }));
    const annotations = find(r, 'Service').spec.template.metadata.annotations;
    expect(annotations['autoscaling.knative.dev/min-scale']).toBe('0');
    expect(annotations['autoscaling.knative.dev/max-scale']).toBe('7');
    expect(find(r, 'ScaledObject').spec).toMatchObject({ minReplicaCount: 0, maxReplicaCount: 7 });
    // No replicas: a new Deployment gets 1 (it creates the subscription), and a re-apply leaves KEDA's count.
    expect(find(r, 'Deployment').spec).not.toHaveProperty('replicas');
    expect(find(r, 'Service').metadata.annotations).toBeUndefined();
  });

  it('keeps minReplicas warm', () => {
    const r = one(fn({ minReplicas: 2 }));
    expect(find(r, 'Service').spec.template.metadata.annotations['autoscaling.knative.dev/min-scale']).toBe(
      '2',
    );
    expect(find(r, 'ScaledObject').spec.minReplicaCount).toBe(2);
  });

  it('uses replicas as the bound when maxReplicas is missing, and says so', () => {
    const r = one(fn({ replicas: 3 }));
    expect(find(r, 'ScaledObject').spec.maxReplicaCount).toBe(3);
    expect(messages(r)).toEqual([
      'warning spec.replicas = 3: knmesh scales automatically: used as the upper bound because maxReplicas is not set',
    ]);
  });

  it('checks Knative autoscaling annotations given on the object or the pod', () => {
    const r = one(
      fn(
        { minReplicas: 1, pod: { annotations: { 'autoscaling.knative.dev/activation-scale': '1' } } },
        {
          annotations: {
            'autoscaling.knative.dev/min-scale': '3',
            'autoscaling.knative.dev/class': 'keda.autoscaling.knative.dev',
            'autoscaling.knative.dev/window': '2s',
            'autoscaling.knative.dev/initialScale': '0',
          },
        },
      ),
    );
    expect(messages(r)).toEqual([
      'error metadata.annotations["autoscaling.knative.dev/min-scale"] = "3": conflicts with spec.minReplicas, which sets autoscaling.knative.dev/min-scale: keep one',
      'error metadata.annotations["autoscaling.knative.dev/class"] = "keda.autoscaling.knative.dev": must be kpa.autoscaling.knative.dev, hpa.autoscaling.knative.dev or a class outside knative.dev (Knative)',
      'error metadata.annotations["autoscaling.knative.dev/window"] = "2s": must be from 6s to 3600s (Knative)',
      'warning metadata.annotations["autoscaling.knative.dev/initialScale"]: needs the Knative feature flag allow-zero-initial-scale (config-autoscaler in knative-serving); emitted as given',
      'error spec.pod.annotations["autoscaling.knative.dev/activation-scale"] = "1": must be an integer of at least 2 (Knative)',
    ]);
    expect(r.objects).toEqual([]);
  });
});

describe('names and namespaces', () => {
  it('names FunctionMesh members <mesh>-<member> and keeps the member name for Pulsar', () => {
    const mesh = {
      apiVersion: 'compute.functionmesh.io/v1alpha1',
      kind: 'FunctionMesh',
      metadata: { name: 'shop' },
      spec: { functions: [fn({ name: 'tax' }).spec], sinks: [fn({ name: 'store' }, {}, 'Sink').spec] },
    };
    const r = one(mesh);
    expect(messages(r)).toEqual([]);
    expect(r.objects.map((o) => `${o.kind} ${o.metadata.name}`)).toEqual([
      'Service shop-tax',
      'Deployment shop-tax-bridge',
      'ScaledObject shop-tax-bridge',
      'Service shop-store',
      'Deployment shop-store-bridge',
      'ScaledObject shop-store-bridge',
    ]);
    expect(r.objects.every((o) => o.metadata.labels?.['app.kubernetes.io/part-of'] === 'shop')).toBe(true);
    expect(bridgeEnv(r)['KNMESH_SUBSCRIPTION']).toBe('public/default/tax');
  });

  it('reports member problems at the member path', () => {
    const spec = fn().spec;
    const r = one({
      apiVersion: 'compute.functionmesh.io/v1alpha1',
      kind: 'FunctionMesh',
      metadata: { name: 'a-mesh-with-a-rather-long-name' },
      spec: { functions: [spec, { ...spec, name: 'and-a-long-member' }] },
    });
    expect(messages(r)).toEqual([
      'error spec.functions[0].name: is required: Function Mesh names a member <mesh>-<name>',
      'error spec.functions[1].name = "a-mesh-with-a-rather-long-name-and-a-long-member": the name <mesh>-<member> must be at most 43 characters (Function Mesh webhook)',
    ]);
  });

  it('rejects an empty FunctionMesh', () => {
    const r = one({
      apiVersion: 'compute.functionmesh.io/v1alpha1',
      kind: 'FunctionMesh',
      metadata: { name: 'm' },
      spec: {},
    });
    expect(messages(r)).toEqual(['error spec: a FunctionMesh needs at least one function, source or sink']);
  });

  it('uses the object namespace, else --namespace, else the pod namespace at run time', () => {
    const own = one(fn({}, { namespace: 'a' }));
    expect(own.objects.every((o) => o.metadata.namespace === 'a')).toBe(true);
    expect(bridgeEnv(own)['KNMESH_SINK']).toBe('http://fn.a.svc.cluster.local');

    const flag = one(fn(), { namespace: 'b', clusterDomain: 'corp.internal' });
    expect(flag.objects.every((o) => o.metadata.namespace === 'b')).toBe(true);
    expect(bridgeEnv(flag)['KNMESH_SINK']).toBe('http://fn.b.svc.corp.internal');

    const none = one(fn());
    expect(none.objects.every((o) => o.metadata.namespace === undefined)).toBe(true);
    const container = find(none, 'Deployment').spec.template.spec.containers[0];
    expect(container.env[0]).toEqual({
      name: 'POD_NAMESPACE',
      valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } },
    });
    expect(bridgeEnv(none)['KNMESH_SINK']).toBe('http://fn.$(POD_NAMESPACE).svc.cluster.local');
  });
});

describe('Knative feature flags', () => {
  const flagged = fn({
    pod: { nodeSelector: { pool: 'a' }, tolerations: [{ key: 'k', operator: 'Exists' }] },
  });

  it('warn and emit by default', () => {
    const r = one(flagged);
    expect(r.diagnostics.map((d) => d.severity)).toEqual(['warning', 'warning']);
    expect(find(r, 'Service').spec.template.spec.nodeSelector).toEqual({ pool: 'a' });
  });

  it('are errors under --strict', () => {
    const r = one(flagged, { strict: true });
    expect(messages(r)).toEqual([
      'error spec.pod.nodeSelector: needs the Knative feature flag kubernetes.podspec-nodeselector (config-features in knative-serving); rejected under --strict',
      'error spec.pod.tolerations: needs the Knative feature flag kubernetes.podspec-tolerations (config-features in knative-serving); rejected under --strict',
    ]);
    expect(r.objects).toEqual([]);
  });

  it('make secret and configMap mounts read-only, saying so when the input asked otherwise', () => {
    const r = one(
      fn({
        volumeMounts: [{ name: 's', mountPath: '/s', readOnly: false }],
        pod: { volumes: [{ name: 's', secret: { secretName: 's' } }] },
      }),
    );
    expect(messages(r)).toEqual([
      'warning spec.volumeMounts[0].readOnly = false: mounted read-only: Knative requires it for secret volumes',
    ]);
    const mounts = find(r, 'Service').spec.template.spec.containers[0].volumeMounts;
    expect(mounts).toContainEqual({ name: 's', mountPath: '/s', readOnly: true });
  });

  it('reject what Knative never allows in a revision', () => {
    const r = one(
      fn({
        pod: {
          sidecars: [
            {
              name: 'side',
              image: 'side:1',
              ports: [{ containerPort: 9000 }],
              env: [{ name: 'K_SERVICE', value: 'x' }],
            },
          ],
          volumes: [{ name: 'nfs', nfs: { server: 'nfs', path: '/' } }],
        },
        volumeMounts: [{ name: 'nfs', mountPath: '/dev' }],
      }),
    );
    expect(messages(r)).toEqual([
      'error spec.pod.sidecars[0].ports: Knative allows one container port per revision, and it belongs to the function container',
      'error spec.pod.sidecars[0].env[0].name = "K_SERVICE": K_* variables are reserved by Knative',
      'error spec.volumeMounts[0].mountPath = "/dev": must be an absolute path other than /, /dev and /dev/log (Knative)',
      'error spec.pod.volumes[0].nfs: Knative does not support nfs volumes in a revision',
    ]);
  });
});

describe('knmesh annotations', () => {
  it('reject unknown (misspelt) keys and bad values', () => {
    const r = one(
      fn(
        {},
        {
          annotations: {
            'knmesh.dev/backlog-treshold': '5',
            'knmesh.dev/polling-interval': 'soon',
            'knmesh.dev/protocol': 'grpc',
          },
        },
      ),
    );
    expect(messages(r)).toEqual([
      'error metadata.annotations["knmesh.dev/backlog-treshold"]: unknown knmesh annotation (known: knmesh.dev/protocol, knmesh.dev/partitioned-topics, knmesh.dev/backlog-threshold, knmesh.dev/activation-backlog-threshold, knmesh.dev/polling-interval, knmesh.dev/cooldown-period, knmesh.dev/keda-token-key, knmesh.dev/reply-topics, knmesh.dev/delivery, knmesh.dev/batch-size)',
      'error metadata.annotations["knmesh.dev/protocol"] = "grpc": must be cloudevents',
      'error metadata.annotations["knmesh.dev/polling-interval"] = "soon": must be an integer of at least 1',
    ]);
  });

  it('configure the KEDA trigger and the bridge', () => {
    const r = one(
      fn(
        { input: { topics: ['a', 'b'] }, maxPendingAsyncRequests: 40 },
        {
          annotations: {
            'knmesh.dev/partitioned-topics': 'a',
            'knmesh.dev/activation-backlog-threshold': '5',
            'knmesh.dev/reply-topics': 'other, persistent://t/ns/third',
          },
        },
      ),
    );
    expect(messages(r)).toEqual([]);
    const so = find(r, 'ScaledObject');
    expect(so.spec.triggers.map((t: any) => t.metadata)).toEqual([
      {
        adminURLFromEnv: 'webServiceURL',
        topic: 'persistent://public/default/a',
        subscription: 'public/default/fn',
        msgBacklogThreshold: '40',
        activationMsgBacklogThreshold: '5',
        isPartitionedTopic: 'true',
      },
      {
        adminURLFromEnv: 'webServiceURL',
        topic: 'persistent://public/default/b',
        subscription: 'public/default/fn',
        msgBacklogThreshold: '40',
        activationMsgBacklogThreshold: '5',
      },
    ]);
    expect(bridgeEnv(r)['KNMESH_ALLOWED_REPLY_TOPIC']).toBe(
      'persistent://public/default/other,persistent://t/ns/third',
    );
  });

  it('say when a partitioned topic or reply topic makes no sense', () => {
    const r = one(
      fn(
        { output: undefined },
        { annotations: { 'knmesh.dev/partitioned-topics': 'zzz', 'knmesh.dev/reply-topics': 'x' } },
      ),
    );
    expect(messages(r)).toEqual([
      'error metadata.annotations["knmesh.dev/reply-topics"]: needs spec.output.topic: replies go to the output topic unless they name one of these',
      'error metadata.annotations["knmesh.dev/partitioned-topics"] = "persistent://public/default/zzz": names a topic that is not an input topic',
    ]);
  });
});

describe('delivery annotations', () => {
  it('turn on batched delivery for the knmesh function host; the bridge reads what is written', () => {
    const r = one(
      fn({}, { annotations: { 'knmesh.dev/delivery': 'batch', 'knmesh.dev/batch-size': '250' } }),
    );
    expect(messages(r)).toEqual([]);
    const env = bridgeEnv(r);
    expect([env['KNMESH_DELIVERY'], env['KNMESH_BATCH_SIZE']]).toEqual(['batch', '250']);
    const { config } = parseOptions(bridgeOptions, {
      argv: [],
      env: { ...env, brokerServiceURL: 'pulsar://broker:6650', webServiceURL: 'http://broker:8080' },
    });
    expect([config.delivery, config.batchSize]).toEqual(['batch', 250]);
  });

  it('leave the bridge at its default without them, and pass structured delivery to any image', () => {
    expect(bridgeEnv(one(fn()))['KNMESH_DELIVERY']).toBeUndefined();
    const r = one(
      fn(
        { image: 'registry.example/fn:1', genericRuntime: undefined },
        { annotations: { 'knmesh.dev/protocol': 'cloudevents', 'knmesh.dev/delivery': 'structured' } },
      ),
    );
    expect(messages(r)).toEqual([]);
    expect(bridgeEnv(r)['KNMESH_DELIVERY']).toBe('structured');
  });

  it('refuse batches to a CloudEvents image, bad values, and say when a batch size is ignored', () => {
    const image = { image: 'registry.example/fn:1', genericRuntime: undefined };
    expect(
      messages(
        one(
          fn(image, {
            annotations: { 'knmesh.dev/protocol': 'cloudevents', 'knmesh.dev/delivery': 'batch' },
          }),
        ),
      ),
    ).toEqual([
      'error metadata.annotations["knmesh.dev/delivery"] = "batch": batch needs the knmesh function host (genericRuntime): a knmesh.dev/protocol: cloudevents image gets one event per request (binary or structured)',
    ]);
    expect(
      messages(
        one(fn({}, { annotations: { 'knmesh.dev/delivery': 'batched', 'knmesh.dev/batch-size': '0' } })),
      ),
    ).toEqual([
      'error metadata.annotations["knmesh.dev/delivery"] = "batched": must be binary, structured, batch',
      'error metadata.annotations["knmesh.dev/batch-size"] = "0": must be an integer of at least 1',
    ]);
    const ignored = one(fn({}, { annotations: { 'knmesh.dev/batch-size': '50' } }));
    expect(messages(ignored)).toEqual([
      'warning metadata.annotations["knmesh.dev/batch-size"]: ignored: applies with knmesh.dev/delivery: batch',
    ]);
    expect(bridgeEnv(ignored)['KNMESH_BATCH_SIZE']).toBeUndefined();
  });
});

describe('the names the translator writes are the names the processes read', () => {
  // The Pulsar ConfigMap and Secrets arrive through envFrom; model them as plain env.
  const configMap = { brokerServiceURL: 'pulsar://broker:6650', webServiceURL: 'http://broker:8080' };
  const envOf = (container: any, extra: Record<string, string> = {}) => {
    const env: Record<string, string> = { ...configMap, ...extra };
    for (const e of container.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
    return env;
  };

  it('bridge', () => {
    const r = one(
      fn(
        {
          maxPendingAsyncRequests: 10,
          timeout: 5000,
          maxMessageRetry: 4,
          output: { topic: 'out', producerConf: { compressionType: 'ZSTD' } },
        },
        { namespace: 'ns' },
      ),
    );
    const container = find(r, 'Deployment').spec.template.spec.containers[0];
    const { config } = parseOptions(bridgeOptions, { argv: [], env: envOf(container) });
    expect(config).toMatchObject({
      pulsarUrl: 'pulsar://broker:6650',
      adminUrl: 'http://broker:8080',
      name: 'public/default/fn',
      input: ['persistent://public/default/in'],
      subscription: 'public/default/fn',
      subscriptionType: 'shared',
      sink: 'http://fn.ns.svc.cluster.local',
      output: 'persistent://public/default/out',
      maxInFlight: 10,
      timeoutMs: 5000,
      maxRetries: 4,
      deadLetterTopic: 'persistent://public/default/public-default-fn-DLQ',
      compression: 'zstd',
      port: 9090,
    });
    expect(container.ports).toEqual([{ name: 'http', containerPort: config.port }]);
    expect(container.args).toEqual(['bridge']);
  });

  it('function host (knmesh serve), with the PORT Knative sets', () => {
    const r = one(fn({ funcConfig: { a: 1 }, timeout: 2000, tenant: 't', namespace: 'n' }));
    const container = find(r, 'Service').spec.template.spec.containers[0];
    expect(container.args).toEqual(['serve', 'fn.ts']);
    const parsed = parseOptions(serveOptions, {
      argv: container.args.slice(2),
      env: envOf(container, { PORT: String(container.ports[0].containerPort) }),
    });
    expect(parsed.config).toMatchObject({
      port: 8080,
      userConfig: '{"a":1}',
      tenant: 't',
      namespace: 'n',
      name: 'fn',
      timeoutMs: 2000,
    });
  });

  it('ingress of a Source', () => {
    const source = {
      apiVersion: 'compute.functionmesh.io/v1alpha1',
      kind: 'Source',
      metadata: { name: 'src', namespace: 'ns', annotations: { 'knmesh.dev/protocol': 'cloudevents' } },
      spec: {
        image: 'emitter:1',
        output: { topic: 'clicks', producerConf: { maxPendingMessages: 7 } },
        resources: { requests: { memory: '8Mi' }, limits: { memory: '8Mi' } },
        pulsar: { pulsarConfig: 'pulsar-config' },
      },
    };
    const r = one(source);
    expect(messages(r)).toEqual([]);
    const ingress = find(r, 'Service');
    expect(ingress.metadata.name).toBe('src-ingress');
    const container = ingress.spec.template.spec.containers[0];
    const parsed = parseOptions(ingressOptions, { argv: [], env: envOf(container, { PORT: '8080' }) });
    expect(parsed.config).toMatchObject({
      topic: 'persistent://public/default/clicks',
      name: 'public/default/src',
      maxPendingMessages: 7,
      port: 8080,
    });
    // KNMESH_PORT, as every other flag, before Knative's PORT.
    expect(
      parseOptions(ingressOptions, {
        argv: [],
        env: { ...envOf(container, { PORT: '8080' }), KNMESH_PORT: '9000' },
      }).config,
    ).toMatchObject({ port: 9000 });
    const connector = find(r, 'Deployment').spec.template.spec.containers[0];
    expect(connector.env).toContainEqual({
      name: 'K_SINK',
      value: 'http://src-ingress.ns.svc.cluster.local',
    });
  });
});

describe('Sources and Sinks', () => {
  it('require an output topic and an emitter image for a Source', () => {
    const r = one({
      apiVersion: 'compute.functionmesh.io/v1alpha1',
      kind: 'Source',
      metadata: { name: 'src' },
      spec: {
        image: 'emitter:1',
        resources: { requests: { memory: '8Mi' }, limits: { memory: '8Mi' } },
        pulsar: { pulsarConfig: 'pulsar-config' },
        pod: { env: [{ name: 'K_SINK', value: 'http://elsewhere' }] },
      },
    });
    expect(messages(r)).toEqual([
      'error spec.image = "emitter:1": a Source image must be a CloudEvents emitter posting to K_SINK: say so with annotation knmesh.dev/protocol: cloudevents',
      'error spec.output.topic: is required: the topic the ingress publishes the events to',
      'error spec.pod.env[0].name = "K_SINK": K_SINK is already set from knmesh (the ingress address)',
    ]);
  });

  it('give a Sink no output and no producer settings', () => {
    const r = one(fn({ sinkConfig: { table: 't' } }, {}, 'Sink'));
    expect(messages(r)).toEqual([]);
    const env = bridgeEnv(r);
    expect(env['KNMESH_OUTPUT']).toBeUndefined();
    expect(find(r, 'Service').metadata.labels['app.kubernetes.io/component']).toBe('sink');
    const fnEnv = find(r, 'Service').spec.template.spec.containers[0].env;
    expect(fnEnv).toContainEqual({ name: 'FUNC_CONFIG', value: '{"table":"t"}' });
  });
});

describe('limits', () => {
  it("keeps a request within Knative's 600 s", () => {
    expect(messages(one(fn({ timeout: 600_001 })))).toEqual([
      'error spec.timeout = 600001: must be from 0 to 600000 ms: Knative limits a request to 600 s (max-revision-timeout-seconds)',
    ]);
  });

  it('gives the revision timeout a second of headroom over the bridge and host timeout, capped at 600 s', () => {
    const timeoutOf = (timeout: number): unknown =>
      find(one(fn({ timeout })), 'Service').spec.template.spec.timeoutSeconds;
    expect(timeoutOf(45_000)).toBe(46);
    expect(timeoutOf(1)).toBe(2);
    expect(timeoutOf(600_000)).toBe(600);
    expect(messages(one(fn({ timeout: 600_000 })))).toEqual([
      "warning spec.timeout = 600000: leaves no headroom under Knative's 600 s: Knative may cut a request before the host answers 504 (at most 599000 ms avoids it)",
    ]);
    expect(messages(one(fn({ timeout: 599_000 })))).toEqual([]);
  });

  it('points a min-scale annotation at spec.minReplicas when that field is not set', () => {
    const r = one(fn({ maxReplicas: 2, pod: { annotations: { 'autoscaling.knative.dev/min-scale': '3' } } }));
    expect(messages(r)).toEqual([
      'error spec.pod.annotations["autoscaling.knative.dev/min-scale"] = "3": knmesh derives autoscaling.knative.dev/min-scale from spec.minReplicas (not set: 0); set spec.minReplicas instead',
    ]);
    expect(r.objects).toEqual([]);
  });

  it('names both sources when min-scale ends up above max-scale', () => {
    const r = one(fn({ minReplicas: 3 }, { annotations: { 'autoscaling.knative.dev/max-scale': '2' } }));
    expect(messages(r)).toContain(
      'error spec.minReplicas: gives min-scale 3, above max-scale 2 from metadata.annotations["autoscaling.knative.dev/max-scale"] (Knative requires min-scale <= max-scale)',
    );
    expect(r.objects).toEqual([]);
  });

  it('does not scale a bridge that reads a topic pattern', () => {
    const r = one(fn({ input: { topicPattern: 'persistent://public/default/in-.*' }, minReplicas: 2 }));
    expect(r.objects.map((o) => o.kind)).toEqual(['Service', 'Deployment']);
    expect(find(r, 'Deployment').spec.replicas).toBe(2);
    expect(bridgeEnv(r)['KNMESH_INPUT_PATTERN']).toBe('persistent://public/default/in-.*');
  });
});

describe('determinism', () => {
  it('gives byte-identical output for the same input, whatever its key order', () => {
    const doc = fn(
      { funcConfig: { b: 2, a: 1 }, pod: { labels: { z: '1', a: '2' } } },
      { labels: { y: '1', b: '2' } },
    );
    const reverse = (v: any): any =>
      Array.isArray(v)
        ? v.map(reverse)
        : typeof v === 'object' && v !== null
          ? Object.fromEntries(
              Object.entries(v)
                .reverse()
                .map(([k, x]) => [k, reverse(x)]),
            )
          : v;
    const reordered = reverse(doc);
    expect(Object.keys(reordered)[0]).toBe('spec');
    const render = (d: unknown) => renderManifests(one(d).objects, 'yaml');
    expect(render(doc)).toBe(render(doc));
    expect(render(reordered)).toBe(render(doc));
  });
});

describe('what Kubernetes, Knative or KEDA would reject at apply time', () => {
  it('gives the function its own /tmp instead of a second mount at the same path', () => {
    const r = one(
      fn({
        volumeMounts: [{ name: 'scratch', mountPath: '/tmp' }],
        pod: { volumes: [{ name: 'scratch', emptyDir: { sizeLimit: '1Gi' } }] },
      }),
    );
    expect(messages(r)).toEqual([]);
    const spec = find(r, 'Service').spec.template.spec;
    expect(spec.containers[0].volumeMounts).toEqual([{ name: 'scratch', mountPath: '/tmp' }]);
    expect(spec.volumes).toEqual([{ name: 'scratch', emptyDir: { sizeLimit: '1Gi' } }]);
    expect(find(one(fn()), 'Service').spec.template.spec.containers[0].volumeMounts).toEqual([
      { name: 'knmesh-tmp', mountPath: '/tmp' },
    ]);
  });

  it('rejects bad container names, images, service accounts and source-less volumes', () => {
    const r = one(
      fn(
        {
          image: 'My Image:latest',
          pod: {
            serviceAccountName: 'Bad_SA',
            sidecars: [
              { name: 'function', image: 'side:1' },
              { name: 'queue-proxy', image: 'side:1' },
              { name: 'side', image: 'registry.example.com:5000/team/side@sha256:' + 'a'.repeat(64) },
              { name: 'side', image: 'UPPER/case' },
            ],
            volumes: [{ name: 'nothing' }],
          },
          genericRuntime: undefined,
        },
        { annotations: { 'knmesh.dev/protocol': 'cloudevents' } },
      ),
    );
    expect(messages(r)).toEqual([
      'error spec.image = "My Image:latest": is not an image reference ([registry/]repository[:tag][@sha256:digest], lower-case repository)',
      'error spec.pod.sidecars[3].image = "UPPER/case": is not an image reference ([registry/]repository[:tag][@sha256:digest], lower-case repository)',
      'error spec.pod.sidecars[0].name = "function": is the name of the function container knmesh generates',
      'error spec.pod.sidecars[1].name = "queue-proxy": is reserved by Knative for the container it adds to every revision',
      'error spec.pod.sidecars[3].name = "side": container names must be unique in a pod',
      'error spec.pod.volumes[0]: a volume needs a source (secret, configMap, emptyDir, ...)',
      'warning spec.pod.volumes[0]: dropped: no container mounts it, and Knative rejects unmounted volumes',
      'error spec.pod.serviceAccountName = "Bad_SA": must be a DNS-1123 subdomain (a ServiceAccount name)',
    ]);
    expect(r.objects).toEqual([]);
  });

  it("keeps minReplicas within KEDA's default maxReplicaCount when maxReplicas is not set", () => {
    expect(messages(one(fn({ minReplicas: 150 })))).toEqual([
      "error spec.minReplicas = 150: is above KEDA's default maxReplicaCount 100: set spec.maxReplicas too",
    ]);
    expect(messages(one(fn({ minReplicas: 150, maxReplicas: 200 })))).toEqual([]);
  });

  it('warns that the HPA class does not scale to zero', () => {
    const r = one(
      fn({}, { annotations: { 'autoscaling.knative.dev/class': 'hpa.autoscaling.knative.dev' } }),
    );
    expect(messages(r)).toEqual([
      'warning metadata.annotations["autoscaling.knative.dev/class"]: the HPA class never scales to zero: the function keeps at least one pod (use the default KPA class to scale to zero)',
    ]);
  });
});

describe('kind: List', () => {
  it('translates every item, as kubectl get -o yaml prints them, and points messages into items[i]', () => {
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: [fn({}, { name: 'one' }), fn({}, { name: 'two' })],
    };
    const r = one(list);
    expect(messages(r)).toEqual([]);
    expect(r.objects.map((o) => `${o.kind} ${o.metadata.name}`)).toEqual([
      'Service one',
      'Deployment one-bridge',
      'ScaledObject one-bridge',
      'Service two',
      'Deployment two-bridge',
      'ScaledObject two-bridge',
    ]);
    const bad = one({ ...list, items: [fn({}, { name: 'one' }), fn({ timeout: -1 }, { name: 'two' })] });
    expect(messages(bad)).toEqual([
      'error items[1].spec.timeout = -1: must be from 0 to 600000 ms: Knative limits a request to 600 s (max-revision-timeout-seconds)',
    ]);
    expect(bad.objects).toEqual([]);
  });
});

describe('passthrough', () => {
  it('copies other objects as they are, only with --passthrough', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { k: 'v' } };
    expect(one(cm, { passthrough: true }).objects).toEqual([cm]);
    expect(one(cm).objects).toEqual([]);
  });
});
