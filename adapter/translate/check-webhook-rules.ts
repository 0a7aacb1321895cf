import type { Component } from './component.ts';
import type { Diagnostics } from './diagnostics.ts';
import { parseQuantity } from './parse-quantity.ts';
import { parseTopicName } from './parse-topic-name.ts';

/** Function Mesh's `maxNameLength`: longer names are rejected by its admission webhook. */
export const MAX_NAME_LENGTH = 43;

const WEBHOOK = '(Function Mesh webhook)';

/**
 * The create-time rules of Function Mesh's admission webhook (function-mesh.md §2.12), applied
 * after its defaulting, so a spec knmesh accepts is one Function Mesh would accept too. Rules tied
 * to Function Mesh's HPA that contradict scale-to-zero are relaxed and documented: `minReplicas: 0`
 * is allowed (it is knmesh's default).
 */
export function checkWebhookRules(
  c: Component,
  d: Diagnostics,
  namePath: readonly (string | number)[],
): void {
  const s = c.spec;
  const at = (...p: (string | number)[]) => [...c.specPath, ...p];

  if (c.name.length > MAX_NAME_LENGTH) {
    d.error({
      path: namePath,
      rule: `the name${c.specPath.length > 1 ? ' <mesh>-<member>' : ''} must be at most ${MAX_NAME_LENGTH} characters ${WEBHOOK}`,
      value: c.name,
    });
  }

  const runtimes = (['java', 'python', 'golang', 'genericRuntime'] as const).filter(
    (r) => s[r] !== undefined,
  );
  if (runtimes.length > 1) {
    d.error({
      path: at(runtimes[1]!),
      rule: `only one runtime may be set, found ${runtimes.join(', ')} ${WEBHOOK}`,
    });
  }

  // Replicas (validateReplicasAndMinReplicasAndMaxReplicas), minus the "minReplicas > 0" rule.
  const { replicas, minReplicas, maxReplicas } = s;
  if (maxReplicas !== undefined && maxReplicas < 1) {
    d.error({ path: at('maxReplicas'), rule: 'must be at least 1', value: maxReplicas });
  }
  if (maxReplicas !== undefined && replicas !== undefined) {
    if (replicas > maxReplicas) {
      d.error({
        path: at('maxReplicas'),
        rule: `must be at least replicas (${replicas}) ${WEBHOOK}`,
        value: maxReplicas,
      });
    }
    if (replicas === 0) {
      d.error({
        path: at('replicas'),
        rule: `cannot be 0 when maxReplicas is set ${WEBHOOK}`,
        value: replicas,
      });
    }
  }
  if (minReplicas !== undefined && replicas !== undefined && minReplicas > replicas) {
    d.error({
      path: at('minReplicas'),
      rule: `must be at most replicas (${replicas}) ${WEBHOOK}`,
      value: minReplicas,
    });
  }
  if (minReplicas !== undefined && maxReplicas !== undefined && minReplicas > maxReplicas) {
    d.error({
      path: at('minReplicas'),
      rule: `must be at most maxReplicas (${maxReplicas}) ${WEBHOOK}`,
      value: minReplicas,
    });
  }
  if (s.pod?.vpa !== undefined && maxReplicas !== undefined) {
    d.error({ path: at('pod', 'vpa'), rule: `cannot be set together with maxReplicas ${WEBHOOK}` });
  }

  checkResources(c, d);

  // Processing guarantee conflicts.
  const effectivelyOnce = s.processingGuarantee === 'effectively_once';
  if (effectivelyOnce && s.timeout !== undefined && s.timeout !== 0) {
    d.error({
      path: at('timeout'),
      rule: `cannot be set with processingGuarantee effectively_once ${WEBHOOK}`,
      value: s.timeout,
    });
  }
  if (effectivelyOnce && (s.maxMessageRetry ?? 0) > 0) {
    d.error({
      path: at('maxMessageRetry'),
      rule: `cannot be set with processingGuarantee effectively_once ${WEBHOOK}`,
      value: s.maxMessageRetry,
    });
  }
  if (effectivelyOnce && s.retainKeyOrdering === true) {
    d.error({
      path: at('retainKeyOrdering'),
      rule: `cannot be set with processingGuarantee effectively_once ${WEBHOOK}`,
      value: true,
    });
  }
  if (s.retainOrdering === true && s.retainKeyOrdering === true) {
    d.error({
      path: at('retainKeyOrdering'),
      rule: `retainOrdering and retainKeyOrdering cannot both be set ${WEBHOOK}`,
      value: true,
    });
  }
  if (s.deadLetterTopic !== undefined && s.deadLetterTopic !== '' && (s.maxMessageRetry ?? 0) <= 0) {
    d.error({
      path: at('deadLetterTopic'),
      rule: `needs maxMessageRetry > 0: without retries nothing is ever dead-lettered ${WEBHOOK}`,
      value: s.deadLetterTopic,
    });
  }

  // Topic names.
  const topic = (value: string | undefined, path: (string | number)[]) => {
    if (value === undefined || value === '') return;
    const parsed = parseTopicName(value);
    if (typeof parsed === 'string')
      d.error({ path, rule: `not a Pulsar topic name: ${parsed} ${WEBHOOK}`, value });
  };
  s.input?.topics?.forEach((t, i) => topic(t, at('input', 'topics', i)));
  for (const key of Object.keys(s.input?.customSchemaSources ?? {}))
    topic(key, at('input', 'customSchemaSources', key));
  for (const key of Object.keys(s.input?.customSerdeSources ?? {}))
    topic(key, at('input', 'customSerdeSources', key));
  for (const key of Object.keys(s.input?.sourceSpecs ?? {})) topic(key, at('input', 'sourceSpecs', key));
  topic(s.input?.topicPattern, at('input', 'topicPattern'));
  topic(s.output?.topic, at('output', 'topic'));
  topic(s.deadLetterTopic, at('deadLetterTopic'));
  topic(s.logTopic, at('logTopic'));
  for (const [key, spec] of Object.entries(s.input?.sourceSpecs ?? {})) {
    if (spec.receiverQueueSize !== undefined && spec.receiverQueueSize < 0) {
      d.error({
        path: at('input', 'sourceSpecs', key, 'receiverQueueSize'),
        rule: `must be at least 0 ${WEBHOOK}`,
        value: spec.receiverQueueSize,
      });
    }
  }

  if (c.kind !== 'Source') {
    const inputs = [
      ...(s.input?.topics ?? []),
      ...(s.input?.topicPattern ? [s.input.topicPattern] : []),
      ...Object.keys(s.input?.customSchemaSources ?? {}),
      ...Object.keys(s.input?.customSerdeSources ?? {}),
      ...Object.keys(s.input?.sourceSpecs ?? {}),
    ];
    if (inputs.length === 0)
      d.error({ path: at('input'), rule: `at least one input topic is required ${WEBHOOK}` });
    const output = s.output?.topic;
    if (output !== undefined && output !== '' && inputs.some((t) => sameTopic(t, output))) {
      d.error({
        path: at('output', 'topic'),
        rule: `is also an input topic; a topic is either input or output ${WEBHOOK}`,
        value: output,
      });
    }
  }

  if (s.pulsar?.pulsarConfig === undefined || s.pulsar.pulsarConfig === '') {
    d.error({
      path: at('pulsar', 'pulsarConfig'),
      rule: `is required: the ConfigMap with brokerServiceURL and webServiceURL ${WEBHOOK}`,
    });
  }

  const rules = s.pod?.builtinAutoscaler ?? [];
  for (const family of ['CPU', 'Memory']) {
    if (rules.filter((r) => r.startsWith(`AverageUtilization${family}`)).length > 1) {
      d.error({ path: at('pod', 'builtinAutoscaler'), rule: `more than one ${family} rule ${WEBHOOK}` });
    }
  }
}

function sameTopic(a: string, b: string): boolean {
  const pa = parseTopicName(a);
  const pb = parseTopicName(b);
  return typeof pa !== 'string' && typeof pb !== 'string' ? pa.full === pb.full : a === b;
}

// validResourceRequirement: memory request and limit > 0, requests ≤ limits, no negative cpu.
function checkResources(c: Component, d: Diagnostics): void {
  const at = (...p: (string | number)[]) => [...c.specPath, 'resources', ...p];
  const requests = c.spec.resources?.requests ?? {};
  const limits = c.spec.resources?.limits ?? {};
  const q = (list: Readonly<Record<string, string | number>>, key: string) =>
    list[key] === undefined ? 0 : (parseQuantity(list[key]) ?? 0);
  if (q(requests, 'memory') <= 0) {
    d.error({ path: at('requests', 'memory'), rule: `a memory request above 0 is required ${WEBHOOK}` });
  }
  if (q(limits, 'memory') <= 0) {
    d.error({ path: at('limits', 'memory'), rule: `a memory limit above 0 is required ${WEBHOOK}` });
  } else if (q(requests, 'memory') > q(limits, 'memory')) {
    d.error({
      path: at('requests', 'memory'),
      rule: `must not exceed limits.memory ${WEBHOOK}`,
      value: requests['memory'],
    });
  }
  for (const [list, name] of [
    [requests, 'requests'],
    [limits, 'limits'],
  ] as const) {
    for (const key of ['cpu', 'memory', 'storage']) {
      if (q(list, key) < 0)
        d.error({ path: at(name, key), rule: `must not be negative ${WEBHOOK}`, value: list[key] });
    }
  }
  if (q(limits, 'cpu') > 0 && q(requests, 'cpu') > q(limits, 'cpu')) {
    d.error({
      path: at('requests', 'cpu'),
      rule: `must not exceed limits.cpu ${WEBHOOK}`,
      value: requests['cpu'],
    });
  }
}
