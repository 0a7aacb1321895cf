import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FastHistogram } from '../../../../runtime/observability/fast-histogram.ts';

describe('FastHistogram', () => {
  it('renders cumulative buckets, sum and count through a prom-client registry, with default labels', async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ function: 'a/b/c' });
    const histogram = new FastHistogram({
      name: 'test_seconds',
      help: 'a test histogram',
      buckets: [0.1, 1],
      labelName: 'mode',
      registers: [registry],
    });
    histogram.observe(0.05, 'binary');
    histogram.observe(0.5, 'binary');
    histogram.observe(5, 'binary');
    histogram.observe(0.01, 'batch');
    const text = await registry.metrics();
    expect(text).toContain('# TYPE test_seconds histogram');
    expect(text).toContain('test_seconds_bucket{le="0.1",mode="binary",function="a/b/c"} 1');
    expect(text).toContain('test_seconds_bucket{le="1",mode="binary",function="a/b/c"} 2');
    expect(text).toContain('test_seconds_bucket{le="+Inf",mode="binary",function="a/b/c"} 3');
    expect(text).toContain('test_seconds_sum{mode="binary",function="a/b/c"} 5.55');
    expect(text).toContain('test_seconds_count{mode="binary",function="a/b/c"} 3');
    expect(text).toContain('test_seconds_count{mode="batch",function="a/b/c"} 1');
    histogram.reset();
    expect(await registry.metrics()).not.toContain('test_seconds_count');
  });

  it('works without a label', async () => {
    const registry = new Registry();
    const histogram = new FastHistogram({
      name: 'plain_seconds',
      help: 'h',
      buckets: [1],
      registers: [registry],
    });
    histogram.observe(2);
    expect(await registry.metrics()).toContain('plain_seconds_bucket{le="+Inf"} 1');
  });
});
