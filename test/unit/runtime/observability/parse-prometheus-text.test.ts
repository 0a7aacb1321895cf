import { describe, expect, it } from 'vitest';
import { parsePrometheusText, sumMetric } from '../../../../runtime/observability/parse-prometheus-text.ts';

describe('parsePrometheusText', () => {
  it('reads samples with labels, skips comments and sums across label sets', () => {
    const text = [
      '# HELP knmesh_bridge_messages_received_total Messages received.',
      '# TYPE knmesh_bridge_messages_received_total counter',
      'knmesh_bridge_messages_received_total{topic="a",quote="say \\"hi\\""} 3',
      'knmesh_bridge_messages_received_total{topic="b"} 4 1700000000000',
      'process_start_time_seconds 1.7e9',
      'histogram_bucket{le="+Inf"} +Inf',
      'garbage line without value',
    ].join('\n');
    const samples = parsePrometheusText(text);
    expect(samples).toHaveLength(4);
    expect(samples[0]).toEqual({
      name: 'knmesh_bridge_messages_received_total',
      labels: { topic: 'a', quote: 'say "hi"' },
      value: 3,
    });
    expect(sumMetric(samples, 'knmesh_bridge_messages_received_total')).toBe(7);
    expect(sumMetric(samples, 'process_start_time_seconds')).toBe(1.7e9);
    expect(sumMetric(samples, 'absent')).toBe(0);
    expect(sumMetric(samples, 'knmesh_bridge_messages_received_total', { topic: 'b' })).toBe(4);
    expect(sumMetric(samples, 'knmesh_bridge_messages_received_total', { topic: 'c' })).toBe(0);
  });
});
