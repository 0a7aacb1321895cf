import { bridgeOptions } from '../../runtime/bridge/bridge-options.ts';
import { envNameOf } from '../../runtime/config/option.ts';
import { optionsToEnv } from '../../runtime/config/options-to-env.ts';
import { serveOptions } from '../../runtime/host/serve-options.ts';
import { buildUserEnv, type GeneratedEnv } from './build-user-env.ts';
import { canonicalObject } from './canonical-object.ts';
import {
  checkKnativeAutoscaling,
  type AnnotationSource,
  type DerivedAnnotation,
} from './check-knative-autoscaling.ts';
import {
  checkContainerNames,
  checkKnativeContainer,
  checkServingProbe,
  checkVolumeMounts,
} from './check-knative-container.ts';
import { checkKnativeVolumes, type MountRef } from './check-knative-volumes.ts';
import { collectInputs } from './collect-inputs.ts';
import type { KubeObject } from './component-spec.ts';
import type { Component } from './component.ts';
import { containerSecurity } from './container-security.ts';
import type { Diagnostics, FieldPath } from './diagnostics.ts';
import { findCredentialKeys } from './find-credential-keys.ts';
import { KNMESH_PREFIX, readKnmeshSettings, type KnmeshSettings } from './knmesh-settings.ts';
import type { KubernetesObject } from './kubernetes-object.ts';
import { objectLabels, objectMeta, selectorLabels } from './object-meta.ts';
import { parseTopicName } from './parse-topic-name.ts';
import { pulsarConnection } from './pulsar-connection.ts';
import { reportFeatureFlag } from './report-feature-flag.ts';
import { resolveRuntime, type FunctionRuntime } from './resolve-runtime.ts';
import { sinkUrl } from './sink-url.ts';
import { BRIDGE_CONTAINER, toBridgeDeployment } from './to-bridge-deployment.ts';
import { toDnsLabel, toDnsLabelWithSuffix } from './to-dns-label.ts';
import { toScaledObject } from './to-scaled-object.ts';
import { toTriggerAuthentication } from './to-trigger-authentication.ts';
import type { TranslateOptions } from './translate-options.ts';
import { HOST_ROUTES } from '../../runtime/host/host-routes.ts';

/** Port the function container serves on; Knative passes it to the process as $PORT. */
export const FUNCTION_PORT = 8080;
const BRIDGE_PORT = 9090;
const FUNCTION_CONTAINER = 'function';
// What KEDA assumes when a ScaledObject has no maxReplicaCount.
const KEDA_DEFAULT_MAX_REPLICAS = 100;
// Knative's default max-revision-timeout-seconds.
const MAX_TIMEOUT_MS = 600_000;

function isDnsSubdomain(name: string): boolean {
  return name.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name);
}

/**
 * The revision's timeoutSeconds: the bridge waits `timeout + 1 s` for a message and the host answers
 * 504 after `timeout`, so Knative must not cut the request before either (its clock also runs while
 * the activator waits for a pod). Capped at Knative's default maximum.
 */
function revisionTimeoutSeconds(timeoutMs: number): number {
  return Math.min(MAX_TIMEOUT_MS / 1000, Math.ceil((timeoutMs + 1000) / 1000));
}

/**
 * A Function or a Sink (a function without output): the function as a scale-to-zero Knative
 * Service, the bridge Deployment that feeds it from Pulsar, and the KEDA ScaledObject (plus
 * TriggerAuthentication) that scales the bridge on the subscription backlog.
 */
export function translateConsumer(
  c: Component,
  options: TranslateOptions,
  d: Diagnostics,
): KubernetesObject[] {
  const s = c.spec;
  const at = (...p: (string | number)[]) => [...c.specPath, ...p];
  const settings = readKnmeshSettings(c, d);
  const runtime = resolveRuntime(c, settings, options.image, d);
  const connection = pulsarConnection(c, d);
  const inputs = collectInputs(c, d);

  const tenant = s.tenant || 'public';
  const pulsarNamespace = s.namespace || 'default';
  const fqfn = `${tenant}/${pulsarNamespace}/${c.pulsarName}`;
  const subscription = s.subscriptionName || fqfn;
  const guarantee = s.processingGuarantee ?? 'atleast_once';
  // Function Mesh's getSubscriptionType: ordering or effectively-once needs a single active consumer.
  const subscriptionType =
    s.retainOrdering === true || guarantee === 'effectively_once'
      ? 'failover'
      : s.retainKeyOrdering === true
        ? 'key_shared'
        : 'shared';

  const serviceName = toDnsLabel(c.name);
  const bridgeName = toDnsLabelWithSuffix(c.name, 'bridge', 54);

  // Scale bounds, shared by the function (Knative) and the bridge (KEDA).
  const minScale = s.minReplicas ?? 0;
  let maxScale = s.maxReplicas;
  if (s.replicas !== undefined) {
    if (maxScale === undefined) {
      maxScale = s.replicas === 0 ? undefined : s.replicas;
      d.warning({
        path: at('replicas'),
        rule:
          s.replicas === 0
            ? 'ignored: knmesh scales automatically (from 0, without an upper bound)'
            : 'knmesh scales automatically: used as the upper bound because maxReplicas is not set',
        value: s.replicas,
      });
    } else {
      d.warning({
        path: at('replicas'),
        rule: 'ignored: knmesh scales automatically up to maxReplicas',
        value: s.replicas,
      });
    }
  }

  if (s.timeout !== undefined && (s.timeout < 0 || s.timeout > MAX_TIMEOUT_MS)) {
    d.error({
      path: at('timeout'),
      rule: `must be from 0 to ${MAX_TIMEOUT_MS} ms: Knative limits a request to 600 s (max-revision-timeout-seconds)`,
      value: s.timeout,
    });
  }
  const timeoutMs = s.timeout !== undefined && s.timeout > 0 ? s.timeout : undefined;
  if (timeoutMs !== undefined && timeoutMs <= MAX_TIMEOUT_MS && timeoutMs + 1000 > MAX_TIMEOUT_MS) {
    d.warning({
      path: at('timeout'),
      rule: `leaves no headroom under Knative's 600 s: Knative may cut a request before the host answers 504 (at most ${MAX_TIMEOUT_MS - 1000} ms avoids it)`,
      value: s.timeout,
    });
  }
  if (s.maxPendingAsyncRequests !== undefined && s.maxPendingAsyncRequests < 1) {
    d.error({
      path: at('maxPendingAsyncRequests'),
      rule: 'must be at least 1',
      value: s.maxPendingAsyncRequests,
    });
  }
  const maxPending = s.output?.producerConf?.maxPendingMessages;
  if (maxPending !== undefined && maxPending < 1) {
    d.error({
      path: at('output', 'producerConf', 'maxPendingMessages'),
      rule: 'must be at least 1',
      value: maxPending,
    });
  }
  if (s.maxMessageRetry !== undefined && s.maxMessageRetry < 0) {
    d.error({ path: at('maxMessageRetry'), rule: 'must be at least 0', value: s.maxMessageRetry });
  }
  if (s.negativeAckRedeliveryDelayMs !== undefined && s.negativeAckRedeliveryDelayMs < 0) {
    d.error({
      path: at('negativeAckRedeliveryDelayMs'),
      rule: 'must be at least 0',
      value: s.negativeAckRedeliveryDelayMs,
    });
  }

  const userConfig = c.kind === 'Function' ? s.funcConfig : s.sinkConfig;
  const configField = c.kind === 'Function' ? 'funcConfig' : 'sinkConfig';
  for (const path of findCredentialKeys(userConfig, at(configField))) {
    d.error({
      path,
      rule: 'looks like a credential: knmesh never writes credentials into manifests; put it in a Secret and reference it with secretsMap',
      secret: true,
    });
  }

  const fullTopic = (value: string): string => {
    const parsed = parseTopicName(value);
    return typeof parsed === 'string' ? value : parsed.full;
  };
  const output = c.kind === 'Function' && s.output?.topic ? fullTopic(s.output.topic) : undefined;
  const replyTopics = replyTopicsOf(c, settings, d);
  if (replyTopics.length > 0 && output === undefined) {
    d.error({
      path: [...c.annotationsPath, 'knmesh.dev/reply-topics'],
      rule: 'needs spec.output.topic: replies go to the output topic unless they name one of these',
    });
  }
  const deadLetterTopic = deadLetterTopicOf(c, tenant, pulsarNamespace, inputs.topics.length, d);
  const delivery = deliveryOf(settings, runtime, d);

  const ns = c.namespace;
  const generatedEnv: Record<string, unknown>[] = [];
  if (ns === undefined) {
    // The namespace is known only when applied: the bridge learns it from the downward API and
    // Kubernetes expands $(POD_NAMESPACE) in the variables after it.
    generatedEnv.push({
      name: 'POD_NAMESPACE',
      valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } },
    });
  }
  const bridgeEnv = optionsToEnv(bridgeOptions, {
    ...connection.options,
    name: fqfn,
    ...(inputs.topics.length > 0 ? { input: inputs.topics.map((t) => t.topic.full) } : {}),
    ...(inputs.pattern === undefined ? {} : { inputPattern: inputs.pattern.full }),
    subscription,
    subscriptionType,
    subscriptionPosition: s.subscriptionPosition ?? 'earliest',
    ...(inputs.receiverQueueSize === undefined ? {} : { receiverQueueSize: inputs.receiverQueueSize }),
    sink: sinkUrl(serviceName, ns, options.clusterDomain),
    ...(output === undefined ? {} : { output }),
    ...(replyTopics.length > 0 ? { allowedReplyTopics: replyTopics } : {}),
    ...(c.kind === 'Function' && s.forwardSourceMessageProperty !== undefined
      ? { forwardProperties: s.forwardSourceMessageProperty }
      : {}),
    guarantee,
    ...(s.maxPendingAsyncRequests === undefined ? {} : { maxInFlight: s.maxPendingAsyncRequests }),
    ...delivery,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    ...(s.maxMessageRetry === undefined ? {} : { maxRetries: s.maxMessageRetry }),
    ...(s.negativeAckRedeliveryDelayMs === undefined
      ? {}
      : { retryBackoffMs: s.negativeAckRedeliveryDelayMs }),
    ...(deadLetterTopic === undefined ? {} : { deadLetterTopic }),
    ...(c.kind === 'Function' && s.output?.producerConf?.compressionType !== undefined
      ? { compression: s.output.producerConf.compressionType.toLowerCase() }
      : {}),
    ...(c.kind === 'Function' && maxPending !== undefined ? { maxPendingMessages: maxPending } : {}),
    port: BRIDGE_PORT,
  });
  generatedEnv.push(...bridgeEnv.map((e) => ({ name: e.name, value: e.value })));

  const objects: KubernetesObject[] = [];
  if (runtime !== undefined) {
    objects.push(functionService(c, runtime, serviceName, minScale, maxScale, timeoutMs, options, d));
  }

  const scaled = inputs.pattern === undefined && inputs.topics.length > 0;
  const bridgeLabels = objectLabels(c, 'bridge');
  objects.push(
    toBridgeDeployment({
      metadata: objectMeta(c, bridgeName, 'bridge'),
      selector: selectorLabels(c, 'bridge'),
      podLabels: bridgeLabels,
      // With KEDA: start at one so the subscription exists before any scale to zero (ADR 0006).
      replicas: scaled ? undefined : Math.max(1, minScale),
      image: options.image,
      env: generatedEnv,
      envFrom: connection.envFrom,
      volumes: connection.volumes,
      volumeMounts: connection.volumeMounts,
      port: BRIDGE_PORT,
    }),
  );

  if (scaled) {
    let authentication: string | undefined;
    if (connection.authSecret !== undefined) {
      authentication = toDnsLabelWithSuffix(c.name, 'pulsar-auth');
      d.warning({
        path: at('pulsar', 'authSecret'),
        rule: `KEDA reads the admin token from key "${settings.kedaTokenKey}" of this Secret (the raw token, not the token:... form of clientAuthenticationParameters); add it, or name another key with annotation knmesh.dev/keda-token-key`,
      });
      objects.push(
        toTriggerAuthentication({
          metadata: objectMeta(c, authentication, 'bridge'),
          token: { secret: connection.authSecret, key: settings.kedaTokenKey },
          ca:
            connection.caSecret === undefined
              ? undefined
              : { secret: connection.caSecret.name, key: connection.caSecret.key },
        }),
      );
    } else if (connection.caSecret !== undefined) {
      d.warning({
        path: at('pulsar', 'tlsConfig'),
        rule: "KEDA's pulsar scaler uses a custom CA only together with credentials: without authSecret it trusts the system roots for an https webServiceURL",
      });
    }
    if (s.pulsar?.tlsSecret && connection.caSecret === undefined) {
      d.warning({
        path: at('pulsar', 'tlsSecret'),
        rule: 'KEDA cannot read the CA file named by tlsTrustCertsFilePath: an https webServiceURL must have a certificate the system roots trust (or use tlsConfig with authSecret)',
      });
    }
    const partitioned = new Set(settings.partitionedTopics.filter((t) => t !== '*').map((t) => fullTopic(t)));
    const known = new Set(inputs.topics.map((t) => t.topic.full));
    for (const t of partitioned) {
      if (!known.has(t)) {
        d.error({
          path: [...c.annotationsPath, 'knmesh.dev/partitioned-topics'],
          rule: 'names a topic that is not an input topic',
          value: t,
        });
      }
    }
    if (maxScale === undefined && minScale > KEDA_DEFAULT_MAX_REPLICAS) {
      d.error({
        path: at('minReplicas'),
        rule: `is above KEDA's default maxReplicaCount ${KEDA_DEFAULT_MAX_REPLICAS}: set spec.maxReplicas too`,
        value: minScale,
      });
    }
    const all = settings.partitionedTopics.includes('*');
    objects.push(
      toScaledObject({
        metadata: objectMeta(c, bridgeName, 'bridge'),
        deployment: bridgeName,
        container: BRIDGE_CONTAINER,
        minReplicaCount: minScale,
        maxReplicaCount: maxScale,
        pollingInterval: settings.pollingInterval,
        cooldownPeriod: settings.cooldownPeriod,
        behavior: s.pod?.autoScalingBehavior,
        triggers: inputs.topics.map((t) => ({
          topic: t.topic.full,
          partitioned: all || partitioned.has(t.topic.full),
        })),
        subscription,
        backlogThreshold: settings.backlogThreshold ?? s.maxPendingAsyncRequests ?? 1000,
        activationBacklogThreshold: settings.activationBacklogThreshold,
        authentication,
        adminUrlEnv: bridgeOptions.adminUrl.fallbackEnv![0]!,
      }),
    );
  }
  return objects;
}

/**
 * The bridge's delivery options from the annotations. Batches need the knmesh function host: it
 * answers with one result per event (docs/reply-contract.md); another CloudEvents server would take
 * the batch as one event or refuse it.
 */
function deliveryOf(
  settings: KnmeshSettings,
  runtime: FunctionRuntime | undefined,
  d: Diagnostics,
): { delivery?: string; batchSize?: number } {
  const { delivery, batchSize } = settings;
  if (delivery?.mode === 'batch' && runtime !== undefined && !runtime.knmeshServe) {
    d.error({
      path: delivery.path,
      rule: 'batch needs the knmesh function host (genericRuntime): a knmesh.dev/protocol: cloudevents image gets one event per request (binary or structured)',
      value: delivery.mode,
    });
    return {};
  }
  if (batchSize !== undefined && delivery?.mode !== 'batch') {
    d.warning({ path: batchSize.path, rule: 'ignored: applies with knmesh.dev/delivery: batch' });
  }
  return {
    ...(delivery === undefined ? {} : { delivery: delivery.mode }),
    ...(batchSize !== undefined && delivery?.mode === 'batch' ? { batchSize: batchSize.value } : {}),
  };
}

function replyTopicsOf(c: Component, settings: KnmeshSettings, d: Diagnostics): string[] {
  const out: string[] = [];
  for (const t of settings.replyTopics) {
    const parsed = parseTopicName(t);
    if (typeof parsed === 'string') {
      d.error({
        path: [...c.annotationsPath, 'knmesh.dev/reply-topics'],
        rule: `not a Pulsar topic name: ${parsed}`,
        value: t,
      });
    } else out.push(parsed.full);
  }
  if (settings.replyTopics.length > 0 && c.kind !== 'Function') return [];
  return out;
}

// Function Mesh's getDeadLetterTopicOrDefault: with retries and no explicit topic and no explicit
// subscription, <tenant>-<namespace>-<name>-DLQ; with a subscription name, Pulsar's own default
// <topic>-<subscription>-DLQ, which is per topic.
function deadLetterTopicOf(
  c: Component,
  tenant: string,
  namespace: string,
  inputCount: number,
  d: Diagnostics,
): string | undefined {
  const s = c.spec;
  if (s.deadLetterTopic !== undefined && s.deadLetterTopic !== '') {
    const parsed = parseTopicName(s.deadLetterTopic);
    return typeof parsed === 'string' ? s.deadLetterTopic : parsed.full;
  }
  if ((s.maxMessageRetry ?? 0) <= 0) return undefined;
  const fmDefault = `persistent://public/default/${tenant}-${namespace}-${c.pulsarName}-DLQ`;
  if (s.subscriptionName === undefined || s.subscriptionName === '') return fmDefault;
  if (inputCount === 1) {
    const input = c.spec.input?.topics?.[0] ?? Object.keys(c.spec.input?.customSchemaSources ?? {})[0];
    const parsed = input === undefined ? undefined : parseTopicName(input);
    if (parsed !== undefined && typeof parsed !== 'string')
      return `${parsed.full}-${s.subscriptionName.replace(/\//g, '-')}-DLQ`;
  }
  d.warning({
    path: [...c.specPath, 'deadLetterTopic'],
    rule: `Pulsar's default dead-letter topic is one per input topic, the bridge has one: using ${fmDefault}; set deadLetterTopic to choose`,
  });
  return fmDefault;
}

function functionService(
  c: Component,
  runtime: FunctionRuntime,
  name: string,
  minScale: number,
  maxScale: number | undefined,
  timeoutMs: number | undefined,
  options: TranslateOptions,
  d: Diagnostics,
): KubernetesObject {
  const s = c.spec;
  const pod = s.pod ?? {};
  const at = (...p: (string | number)[]) => [...c.specPath, ...p];
  const strict = options.strict;
  const role = c.kind === 'Function' ? 'function' : 'sink';
  const userConfig = c.kind === 'Function' ? s.funcConfig : s.sinkConfig;
  const configJson = userConfig === undefined ? undefined : JSON.stringify(canonicalObject(userConfig));

  // Environment: knmesh serve's options (same table the host parses), else only the config.
  const generated: GeneratedEnv[] = [];
  const configFrom = `spec.${c.kind === 'Function' ? 'funcConfig' : 'sinkConfig'}`;
  if (runtime.knmeshServe) {
    for (const e of optionsToEnv(serveOptions, {
      tenant: s.tenant || 'public',
      namespace: s.namespace || 'default',
      name: c.pulsarName,
      ...(configJson === undefined ? {} : { userConfig: configJson }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    })) {
      generated.push({ ...e, from: e.name === 'FUNC_CONFIG' ? configFrom : 'knmesh' });
    }
  } else if (configJson !== undefined) {
    generated.push({
      name: envNameOf(serveOptions.userConfig, 'KNMESH_')!,
      value: configJson,
      from: configFrom,
    });
  }
  const env = buildUserEnv(c, generated, true, d, strict);

  // Volumes and mounts of every container, checked as Knative will.
  const sidecars = pod.sidecars ?? [];
  const initContainers = pod.initContainers ?? [];
  sidecars.forEach((sc, i) => checkKnativeContainer(sc, at('pod', 'sidecars', i), 'sidecar', d, strict));
  initContainers.forEach((ic, i) =>
    checkKnativeContainer(ic, at('pod', 'initContainers', i), 'init', d, strict),
  );
  checkContainerNames(
    FUNCTION_CONTAINER,
    [
      ...sidecars.map((container, i) => ({ container, path: at('pod', 'sidecars', i) })),
      ...initContainers.map((container, i) => ({ container, path: at('pod', 'initContainers', i) })),
    ],
    d,
  );
  checkVolumeMounts(s.volumeMounts, at('volumeMounts'), d, strict);
  const mounts: MountRef[] = [];
  const collect = (list: unknown, path: FieldPath) => {
    if (Array.isArray(list))
      list.forEach((m: KubeObject, i) => mounts.push({ mount: m, path: [...path, i] }));
  };
  collect(s.volumeMounts, at('volumeMounts'));
  sidecars.forEach((sc, i) => collect(sc['volumeMounts'], at('pod', 'sidecars', i, 'volumeMounts')));
  initContainers.forEach((ic, i) =>
    collect(ic['volumeMounts'], at('pod', 'initContainers', i, 'volumeMounts')),
  );
  const { volumes, fixed } = checkKnativeVolumes(pod.volumes ?? [], at('pod', 'volumes'), mounts, d, strict);
  const fixMounts = (list: unknown) =>
    Array.isArray(list) ? list.map((m: KubeObject) => fixed.get(m) ?? m) : undefined;

  // knmesh serve gets a read-only root filesystem and a scratch /tmp (downloads, temp files),
  // unless the function mounts its own /tmp (two mounts at one path are rejected).
  const ownTmp =
    runtime.knmeshServe &&
    !(Array.isArray(s.volumeMounts) && s.volumeMounts.some((m: KubeObject) => m['mountPath'] === '/tmp'));
  const ownMounts = ownTmp ? [{ name: 'knmesh-tmp', mountPath: '/tmp' }] : [];
  const ownVolumes = ownTmp ? [{ name: 'knmesh-tmp', emptyDir: {} }] : [];
  for (const v of pod.volumes ?? []) {
    if (v['name'] === 'knmesh-tmp')
      d.error({ path: at('pod', 'volumes'), rule: 'the volume name knmesh-tmp is reserved by knmesh' });
  }

  const probes: Record<string, unknown> = {};
  if (runtime.knmeshServe) {
    // No period: Knative then probes aggressively during start-up, which keeps cold starts short.
    probes['readinessProbe'] = { httpGet: { path: HOST_ROUTES.readiness, port: FUNCTION_PORT } };
  }
  const liveness = pod.liveness;
  if (liveness?.periodSeconds !== undefined && liveness.periodSeconds > 0) {
    probes['livenessProbe'] = {
      ...(runtime.knmeshServe
        ? { httpGet: { path: HOST_ROUTES.liveness, port: FUNCTION_PORT } }
        : { tcpSocket: { port: FUNCTION_PORT } }),
      periodSeconds: liveness.periodSeconds,
      timeoutSeconds: liveness.periodSeconds,
      ...(liveness.initialDelaySeconds === undefined
        ? {}
        : { initialDelaySeconds: liveness.initialDelaySeconds }),
      ...(liveness.successThreshold === undefined ? {} : { successThreshold: liveness.successThreshold }),
      ...(liveness.failureThreshold === undefined ? {} : { failureThreshold: liveness.failureThreshold }),
    };
  }
  if (pod.startupProbe !== undefined) probes['startupProbe'] = pod.startupProbe;
  const serving: Record<string, unknown> = {
    name: FUNCTION_CONTAINER,
    image: runtime.image,
    ...(s.imagePullPolicy ? { imagePullPolicy: s.imagePullPolicy } : {}),
    ...(runtime.args === undefined ? {} : { args: runtime.args }),
    ports: [{ containerPort: FUNCTION_PORT }],
    ...(env.length > 0 ? { env } : {}),
    ...(s.resources?.requests || s.resources?.limits
      ? {
          resources: {
            ...(s.resources.limits ? { limits: s.resources.limits } : {}),
            ...(s.resources.requests ? { requests: s.resources.requests } : {}),
          },
        }
      : {}),
    ...probes,
    securityContext: containerSecurity(runtime.knmeshServe && runtime.image === options.image),
  };
  if (pod.startupProbe !== undefined) checkServingProbe(pod.startupProbe, at('pod', 'startupProbe'), d);
  const servingMounts = [...ownMounts, ...(fixMounts(s.volumeMounts) ?? [])];
  if (servingMounts.length > 0) serving['volumeMounts'] = servingMounts;

  // Fields behind Knative feature flags.
  const flagged: [keyof typeof pod, string][] = [
    ['nodeSelector', 'kubernetes.podspec-nodeselector'],
    ['affinity', 'kubernetes.podspec-affinity'],
    ['tolerations', 'kubernetes.podspec-tolerations'],
    ['securityContext', 'kubernetes.podspec-securitycontext'],
    ['initContainers', 'kubernetes.podspec-init-containers'],
  ];
  for (const [field, flag] of flagged) {
    if (pod[field] !== undefined) reportFeatureFlag(d, strict, at('pod', field), flag);
  }

  const annotationSources: AnnotationSource[] = [
    ...Object.entries(c.annotations).map(([key, value]) => ({
      key,
      value,
      path: [...c.annotationsPath, key],
    })),
    ...Object.entries(pod.annotations ?? {}).map(([key, value]) => ({
      key,
      value,
      path: at('pod', 'annotations', key),
    })),
  ];
  const derived: Record<string, DerivedAnnotation> = {
    'min-scale': { value: String(minScale), from: at('minReplicas'), defaulted: s.minReplicas === undefined },
  };
  if (maxScale !== undefined) {
    derived['max-scale'] = {
      value: String(maxScale),
      from: at(s.maxReplicas === undefined ? 'replicas' : 'maxReplicas'),
    };
  }
  const autoscaling = checkKnativeAutoscaling(annotationSources, derived, d, strict);
  const templateAnnotations: Record<string, string> = {};
  for (const [key, value] of Object.entries(pod.annotations ?? {})) {
    if (!key.startsWith(KNMESH_PREFIX)) templateAnnotations[key] = value;
  }
  Object.assign(templateAnnotations, autoscaling);

  if (pod.serviceAccountName && !isDnsSubdomain(pod.serviceAccountName)) {
    d.error({
      path: at('pod', 'serviceAccountName'),
      rule: 'must be a DNS-1123 subdomain (a ServiceAccount name)',
      value: pod.serviceAccountName,
    });
  }
  const labels = objectLabels(c, role);
  const podSpec: Record<string, unknown> = {
    ...(pod.serviceAccountName
      ? { serviceAccountName: pod.serviceAccountName }
      : { automountServiceAccountToken: false }),
    enableServiceLinks: false,
    ...(pod.imagePullSecrets ? { imagePullSecrets: pod.imagePullSecrets } : {}),
    ...(pod.nodeSelector ? { nodeSelector: pod.nodeSelector } : {}),
    ...(pod.affinity ? { affinity: pod.affinity } : {}),
    ...(pod.tolerations ? { tolerations: pod.tolerations } : {}),
    ...(pod.securityContext ? { securityContext: pod.securityContext } : {}),
    ...(initContainers.length > 0
      ? { initContainers: initContainers.map((ic) => withMounts(ic, fixMounts(ic['volumeMounts']))) }
      : {}),
    containers: [serving, ...sidecars.map((sc) => withMounts(sc, fixMounts(sc['volumeMounts'])))],
    ...(timeoutMs === undefined ? {} : { timeoutSeconds: revisionTimeoutSeconds(timeoutMs) }),
    ...(volumes.length + ownVolumes.length > 0 ? { volumes: [...ownVolumes, ...volumes] } : {}),
  };
  const meta = objectMeta(c, name, role, { 'networking.knative.dev/visibility': 'cluster-local' });
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: meta,
    spec: {
      template: {
        metadata: {
          labels: { ...labels, ...(pod.labels ?? {}) },
          annotations: templateAnnotations,
        },
        spec: podSpec,
      },
    },
  };
}

function withMounts(container: KubeObject, mounts: KubeObject[] | undefined): KubeObject {
  return mounts === undefined ? container : { ...container, volumeMounts: mounts };
}
