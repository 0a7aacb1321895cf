import { describe, expect, it } from 'vitest';
import { parseTopicName } from '../../../runtime/pulsar/topic-name.ts';
import { compileTopicPattern, matchesTopicPattern } from '../../../runtime/pulsar/topic-pattern.ts';

const matches = (pattern: string | RegExp, topic: string): boolean =>
  matchesTopicPattern(compileTopicPattern(pattern), parseTopicName(topic));

describe('topic patterns, as the Java client matches them', () => {
  it('match the whole name, with or without the scheme on either side', () => {
    expect(matches('persistent://public/default/in-.*', 'persistent://public/default/in-1')).toBe(true);
    expect(matches('public/default/in-.*', 'persistent://public/default/in-1')).toBe(true);
    expect(matches(/persistent:\/\/public\/default\/in-.*/, 'public/default/in-1')).toBe(true);
    // Unanchored matching would take these too.
    expect(matches('public/default/in', 'persistent://public/default/inbox')).toBe(false);
    expect(matches('default/in-.*', 'persistent://public/default/in-1')).toBe(false);
    expect(matches('public/default/in-.*', 'persistent://public/default/other-in-1')).toBe(false);
  });

  it('match a partition by its partitioned topic name', () => {
    expect(matches('public/default/orders', 'persistent://public/default/orders-partition-3')).toBe(true);
    expect(
      matches('public/default/orders-partition-.*', 'persistent://public/default/orders-partition-3'),
    ).toBe(false);
  });

  it('drop stateful flags, so repeated tests give the same answer', () => {
    const pattern = compileTopicPattern(/public\/default\/a.*/g);
    const topic = parseTopicName('persistent://public/default/abc');
    expect([1, 2, 3].map(() => matchesTopicPattern(pattern, topic))).toEqual([true, true, true]);
    expect(compileTopicPattern(/public\/default\/A/i).flags).toBe('i');
  });
});
