import type { TopicName } from './topic-name.ts';

const SCHEME = /^(?:non-)?persistent:(?:\\\/|\/){2}/;

/**
 * A topics pattern as the Java client applies it: the scheme (`persistent://`) removed from the
 * pattern and from the topic, and the whole remaining name matched (`Matcher.matches()`), so
 * `public/default/in` does not also pick `public/default/inbox`. Stateful flags (g, y) are dropped.
 */
export function compileTopicPattern(pattern: string | RegExp): RegExp {
  const source = typeof pattern === 'string' ? pattern : pattern.source;
  const flags = typeof pattern === 'string' ? '' : pattern.flags.replace(/[gy]/g, '');
  return new RegExp(`^(?:${source.replace(SCHEME, '')})$`, flags);
}

/** Whether `topic` (its partitioned-topic name, without the scheme) matches a compiled pattern. */
export function matchesTopicPattern(pattern: RegExp, topic: TopicName): boolean {
  return pattern.test(topic.baseName.replace(SCHEME, ''));
}
