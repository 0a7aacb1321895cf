import type { Registry } from 'prom-client';

/** A rendered sample, in prom-client's metric object shape. */
interface Sample {
  readonly metricName: string;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
}

export interface FastHistogramOptions<L extends string> {
  readonly name: string;
  readonly help: string;
  /** Upper bounds in ascending order; `+Inf` is implied. */
  readonly buckets: readonly number[];
  /** At most one label, whose values are few and known in advance (a content mode, an outcome). */
  readonly labelName?: L;
  readonly registers: readonly Registry[];
}

/**
 * A Prometheus histogram for hot paths: `observe` is an array increment. prom-client's Histogram
 * builds a closure, validates and hashes the label object and stringifies the bucket bound on every
 * call — a measurable share of the function host's per-request time. This one renders through the
 * same registry (prom-client's metric object shape), so `/metrics` looks the same.
 */
export class FastHistogram<L extends string = never> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  readonly #bounds: readonly number[];
  readonly #labelName: L | undefined;
  readonly #series = new Map<string, { counts: number[]; sum: number; count: number }>();

  constructor(options: FastHistogramOptions<L>) {
    this.name = options.name;
    this.help = options.help;
    this.#bounds = options.buckets;
    this.#labelName = options.labelName;
    for (const registry of options.registers) {
      registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
    }
  }

  /** Records `value` for the label value `label` (ignored when the histogram has no label). */
  observe(value: number, label = ''): void {
    let series = this.#series.get(label);
    if (series === undefined) {
      series = { counts: new Array<number>(this.#bounds.length).fill(0), sum: 0, count: 0 };
      this.#series.set(label, series);
    }
    const bounds = this.#bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        series.counts[i]!++;
        break;
      }
    }
    series.sum += value;
    series.count++;
  }

  reset(): void {
    this.#series.clear();
  }

  /** prom-client's metric object: cumulative `_bucket` series, then `_sum` and `_count`. */
  get(): Promise<{ name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: Sample[] }> {
    const values: Sample[] = [];
    for (const [label, series] of this.#series) {
      const labels: Record<string, string> =
        this.#labelName === undefined ? {} : { [this.#labelName]: label };
      let cumulative = 0;
      for (let i = 0; i < this.#bounds.length; i++) {
        cumulative += series.counts[i]!;
        values.push({
          metricName: `${this.name}_bucket`,
          labels: { le: this.#bounds[i]!, ...labels },
          value: cumulative,
        });
      }
      values.push({
        metricName: `${this.name}_bucket`,
        labels: { le: '+Inf', ...labels },
        value: series.count,
      });
      values.push({ metricName: `${this.name}_sum`, labels, value: series.sum });
      values.push({ metricName: `${this.name}_count`, labels, value: series.count });
    }
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: 'histogram',
      aggregator: 'sum',
      values,
    });
  }
}
