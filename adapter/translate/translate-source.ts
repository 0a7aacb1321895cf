import { optionsToEnv } from '../../runtime/config/options-to-env.ts';
import { ingressOptions } from '../../runtime/ingress/ingress-options.ts';
import { INGRESS_ROUTES } from '../../runtime/ingress/ingress-routes.ts';
import { buildUserEnv, type GeneratedEnv } from './build-user-env.ts';
import { canonicalObject } from './canonical-object.ts';
import { checkImageReference } from './check-image-reference.ts';
import { checkKnativeAutoscaling } from './check-knative-autoscaling.ts';
import type { Component } from './component.ts';
import { containerSecurity } from './container-security.ts';
import type { Diagnostics } from './diagnostics.ts';
import { findCredentialKeys } from './find-credential-keys.ts';
import { KNMESH_PREFIX, readKnmeshSettings } from './knmesh-settings.ts';
import type { KubernetesObject } from './kubernetes-object.ts';
import { objectLabels, objectMeta, selectorLabels } from './object-meta.ts';
import { parseTopicName } from './parse-topic-name.ts';
import { pulsarConnection } from './pulsar-connection.ts';
import { sinkUrl } from './sink-url.ts';
import { toDnsLabel, toDnsLabelWithSuffix } from './to-dns-label.ts';
import type { TranslateOptions } from './translate-options.ts';

const INGRESS_PORT = 8080;

/**
 * A Source: its connector image, a CloudEvents emitter, runs as a Deployment whose `K_SINK` is the
 * address of a knmesh ingress, a scale-to-zero Knative Service that publishes every event it
 * accepts to the Source's output topic (ADR 0009).
 */
export function translateSource(c: Component, options: TranslateOptions, d: Diagnostics): KubernetesObject[] {
  const s = c.spec;
  const at = (...p: (string | number)[]) => [...c.specPath, ...p];
  const settings = readKnmeshSettings(c, d);
  const connection = pulsarConnection(c, d);

  const image = s.image === '' ? undefined : s.image;
  checkImageReference(image, at('image'), d);
  const runtimeBlock = s.java ?? s.python ?? s.golang ?? s.genericRuntime; // rejected by the field table
  if (runtimeBlock === undefined && image === undefined) {
    d.error({
      path: at('image'),
      rule: 'is required: a Source runs a CloudEvents emitter image (with annotation knmesh.dev/protocol: cloudevents)',
    });
  } else if (runtimeBlock === undefined && settings.protocol !== 'cloudevents') {
    d.error({
      path: at('image'),
      rule: 'a Source image must be a CloudEvents emitter posting to K_SINK: say so with annotation knmesh.dev/protocol: cloudevents',
      value: image,
    });
  }
  const topic = s.output?.topic;
  let fullTopic: string | undefined;
  if (topic === undefined || topic === '') {
    d.error({
      path: at('output', 'topic'),
      rule: 'is required: the topic the ingress publishes the events to',
    });
  } else {
    const parsed = parseTopicName(topic);
    fullTopic = typeof parsed === 'string' ? topic : parsed.full;
  }
  const maxPending = s.output?.producerConf?.maxPendingMessages;
  if (maxPending !== undefined && maxPending < 1) {
    d.error({
      path: at('output', 'producerConf', 'maxPendingMessages'),
      rule: 'must be at least 1',
      value: maxPending,
    });
  }
  for (const path of findCredentialKeys(s.sourceConfig, at('sourceConfig'))) {
    d.error({
      path,
      rule: 'looks like a credential: knmesh never writes credentials into manifests; put it in a Secret and reference it with secretsMap',
      secret: true,
    });
  }
  if (s.maxReplicas !== undefined && s.maxReplicas < 1) {
    d.error({ path: at('maxReplicas'), rule: 'must be at least 1', value: s.maxReplicas });
  }

  const ingressName = toDnsLabelWithSuffix(c.name, 'ingress');
  const connectorName = toDnsLabel(c.name);
  const fqn = `${s.tenant || 'public'}/${s.namespace || 'default'}/${c.pulsarName}`;
  const objects: KubernetesObject[] = [];

  // The ingress: HTTP → Pulsar, scaled by Knative on requests, to zero when the source is idle.
  const ingressEnv = optionsToEnv(ingressOptions, {
    ...connection.options,
    ...(fullTopic === undefined ? {} : { topic: fullTopic }),
    name: fqn,
    ...(s.output?.producerConf?.compressionType === undefined
      ? {}
      : { compression: s.output.producerConf.compressionType.toLowerCase() }),
    ...(maxPending === undefined ? {} : { maxPendingMessages: maxPending }),
  }).map((e) => ({ name: e.name, value: e.value }));
  const scale = checkKnativeAutoscaling(
    [],
    {
      'min-scale': { value: '0', from: at('minReplicas'), defaulted: true },
      ...(s.maxReplicas === undefined
        ? {}
        : { 'max-scale': { value: String(s.maxReplicas), from: at('maxReplicas') } }),
    },
    d,
    options.strict,
  );
  objects.push({
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: objectMeta(c, ingressName, 'ingress', { 'networking.knative.dev/visibility': 'cluster-local' }),
    spec: {
      template: {
        metadata: { labels: objectLabels(c, 'ingress'), annotations: scale },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          containers: [
            {
              name: 'ingress',
              image: options.image,
              args: ['ingress'],
              ports: [{ containerPort: INGRESS_PORT }],
              env: ingressEnv,
              envFrom: connection.envFrom,
              readinessProbe: { httpGet: { path: INGRESS_ROUTES.readiness, port: INGRESS_PORT } },
              livenessProbe: {
                httpGet: { path: INGRESS_ROUTES.liveness, port: INGRESS_PORT },
                periodSeconds: 10,
              },
              resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
              securityContext: containerSecurity(true),
              ...(connection.volumeMounts.length > 0 ? { volumeMounts: connection.volumeMounts } : {}),
            },
          ],
          ...(connection.volumes.length > 0 ? { volumes: connection.volumes } : {}),
        },
      },
    },
  });

  // The connector: the user's emitter, posting CloudEvents to K_SINK (Knative's SinkBinding contract).
  const pod = s.pod ?? {};
  const generated: GeneratedEnv[] = [];
  if (c.namespace === undefined) {
    generated.push({
      name: 'POD_NAMESPACE',
      valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } },
      from: 'knmesh (the namespace, for K_SINK)',
    });
  }
  generated.push({
    name: 'K_SINK',
    value: sinkUrl(ingressName, c.namespace, options.clusterDomain),
    from: 'knmesh (the ingress address)',
  });
  if (s.sourceConfig !== undefined) {
    generated.push({
      name: 'SOURCE_CONFIG',
      value: JSON.stringify(canonicalObject(s.sourceConfig)),
      from: 'spec.sourceConfig',
    });
  }
  const env = buildUserEnv(c, generated, false, d, options.strict);
  const annotations: Record<string, string> = {};
  for (const [key, value] of Object.entries(pod.annotations ?? {})) {
    if (!key.startsWith(KNMESH_PREFIX)) annotations[key] = value;
  }
  const replicas = s.replicas ?? s.minReplicas ?? 1;
  if (replicas === 0) {
    d.warning({
      path: at(s.replicas === undefined ? 'minReplicas' : 'replicas'),
      rule: 'the connector Deployment gets 0 replicas: the source does not run',
      value: 0,
    });
  }
  const connector: Record<string, unknown> = {
    name: 'source',
    ...(image === undefined ? {} : { image }),
    ...(s.imagePullPolicy ? { imagePullPolicy: s.imagePullPolicy } : {}),
    env,
    ...(s.resources?.requests || s.resources?.limits
      ? {
          resources: {
            ...(s.resources.limits ? { limits: s.resources.limits } : {}),
            ...(s.resources.requests ? { requests: s.resources.requests } : {}),
          },
        }
      : {}),
    ...(pod.startupProbe === undefined ? {} : { startupProbe: pod.startupProbe }),
    securityContext: containerSecurity(false),
    ...(s.volumeMounts === undefined ? {} : { volumeMounts: s.volumeMounts }),
  };
  objects.push({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: objectMeta(c, connectorName, 'source'),
    spec: {
      replicas,
      selector: { matchLabels: selectorLabels(c, 'source') },
      template: {
        metadata: {
          labels: { ...objectLabels(c, 'source'), ...(pod.labels ?? {}) },
          ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
        },
        spec: {
          ...(pod.serviceAccountName ? { serviceAccountName: pod.serviceAccountName } : {}),
          ...(pod.imagePullSecrets ? { imagePullSecrets: pod.imagePullSecrets } : {}),
          ...(pod.nodeSelector ? { nodeSelector: pod.nodeSelector } : {}),
          ...(pod.affinity ? { affinity: pod.affinity } : {}),
          ...(pod.tolerations ? { tolerations: pod.tolerations } : {}),
          ...(pod.securityContext ? { securityContext: pod.securityContext } : {}),
          ...(pod.terminationGracePeriodSeconds === undefined
            ? {}
            : { terminationGracePeriodSeconds: pod.terminationGracePeriodSeconds }),
          ...(pod.initContainers ? { initContainers: pod.initContainers } : {}),
          containers: [connector, ...(pod.sidecars ?? [])],
          ...(pod.volumes ? { volumes: pod.volumes } : {}),
        },
      },
    },
  });
  return objects;
}
