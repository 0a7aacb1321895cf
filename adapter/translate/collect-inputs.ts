import type { Component } from './component.ts';
import type { Diagnostics, FieldPath } from './diagnostics.ts';
import { parseTopicName, type TopicName } from './parse-topic-name.ts';

export interface Inputs {
  /** Input topics, fully qualified, in the order written, without duplicates. */
  readonly topics: readonly {
    readonly topic: TopicName;
    readonly written: string;
    readonly path: FieldPath;
  }[];
  /** The one topic pattern, fully qualified, when the input is a pattern. */
  readonly pattern: { readonly full: string; readonly path: FieldPath } | undefined;
  /** Largest receiverQueueSize of sourceSpecs, if any. */
  readonly receiverQueueSize: number | undefined;
}

/**
 * The input topics of a Function or Sink as Function Mesh collects them (topics, topicPattern and
 * the keys of customSchemaSources and sourceSpecs), checked against what the bridge and KEDA's
 * pulsar scaler can do: persistent topics only, and either topics or one pattern.
 */
export function collectInputs(c: Component, d: Diagnostics): Inputs {
  const input = c.spec.input ?? {};
  const at = (...p: (string | number)[]) => [...c.specPath, 'input', ...p];
  const written: { name: string; path: FieldPath }[] = [];
  const patterns: { name: string; path: FieldPath }[] = [];
  input.topics?.forEach((t, i) => written.push({ name: t, path: at('topics', i) }));
  if (input.topicPattern !== undefined && input.topicPattern !== '') {
    patterns.push({ name: input.topicPattern, path: at('topicPattern') });
  }
  for (const key of Object.keys(input.customSchemaSources ?? {})) {
    written.push({ name: key, path: at('customSchemaSources', key) });
  }
  let receiverQueueSize: number | undefined;
  const sizes = new Set<number>();
  for (const [key, spec] of Object.entries(input.sourceSpecs ?? {})) {
    if (spec.isRegexPattern === true) patterns.push({ name: key, path: at('sourceSpecs', key) });
    else written.push({ name: key, path: at('sourceSpecs', key) });
    const size = spec.receiverQueueSize;
    if (size === undefined) continue;
    if (size < 1) {
      d.error({
        path: at('sourceSpecs', key, 'receiverQueueSize'),
        rule: 'the bridge needs a receiver queue of at least 1 (zero-queue consumers are not supported)',
        value: size,
      });
      continue;
    }
    sizes.add(size);
    receiverQueueSize = Math.max(receiverQueueSize ?? 0, size);
  }
  if (sizes.size > 1) {
    d.warning({
      path: at('sourceSpecs'),
      rule: `the bridge has one receiver queue size for all topics: using the largest, ${receiverQueueSize}`,
    });
  }

  const topics: { topic: TopicName; written: string; path: FieldPath }[] = [];
  const seen = new Set<string>();
  for (const { name, path } of written) {
    const topic = parseTopicName(name);
    if (typeof topic === 'string') continue; // reported by the webhook rules
    if (topic.domain !== 'persistent') {
      d.error({
        path,
        rule: "KEDA's pulsar scaler reads the backlog of persistent topics only",
        value: name,
      });
      continue;
    }
    if (seen.has(topic.full)) continue;
    seen.add(topic.full);
    topics.push({ topic, written: name, path });
  }

  let pattern: Inputs['pattern'];
  if (patterns.length > 1) {
    d.error({ path: patterns[1]!.path, rule: 'the bridge reads one topic pattern; found more than one' });
  } else if (patterns.length === 1) {
    const parsed = parseTopicName(patterns[0]!.name);
    if (typeof parsed !== 'string') {
      if (!isRegExp(parsed.local)) {
        d.error({
          path: patterns[0]!.path,
          rule: 'the topic part is not a valid regular expression',
          value: patterns[0]!.name,
        });
      } else if (topics.length > 0) {
        d.error({
          path: patterns[0]!.path,
          rule: 'the bridge reads either input topics or one topic pattern, not both',
          value: patterns[0]!.name,
        });
      } else {
        pattern = { full: parsed.full, path: patterns[0]!.path };
        d.warning({
          path: patterns[0]!.path,
          rule: "KEDA's pulsar scaler takes no topic patterns: no ScaledObject is generated, the bridge runs with fixed replicas and does not scale to zero (list the topics in input.topics to scale on backlog)",
          value: patterns[0]!.name,
        });
      }
    }
  }
  return { topics, pattern, receiverQueueSize };
}

function isRegExp(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}
