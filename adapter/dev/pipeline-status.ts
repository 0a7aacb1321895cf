import { BRIDGE_METRIC_NAMES } from '../../runtime/bridge/bridge-metrics.ts';
import { parsePrometheusText, sumMetric } from '../../runtime/observability/parse-prometheus-text.ts';

/**
 * The bridge counters the status line shows. `delivered` counts attempts by outcome, so only
 * successful ones are delivered messages.
 */
export const STATUS_COUNTERS = {
  received: { name: BRIDGE_METRIC_NAMES.received, labels: {} },
  delivered: { name: BRIDGE_METRIC_NAMES.delivered, labels: { outcome: 'success' } },
  retried: { name: BRIDGE_METRIC_NAMES.retried, labels: {} },
  deadLettered: { name: BRIDGE_METRIC_NAMES.deadLettered, labels: {} },
} as const;

export type StatusCounts = { readonly [K in keyof typeof STATUS_COUNTERS]: number };

export interface StatusSnapshot {
  readonly at: number;
  readonly counts: StatusCounts;
  /** Per second since the previous snapshot. */
  readonly rates: StatusCounts;
}

/**
 * The live counts of a local pipeline: scrapes every bridge's `/metrics` and sums the counters;
 * rates are the difference to the previous scrape.
 */
export class PipelineStatus {
  readonly #bridgeUrls: readonly string[];
  #previous: { at: number; counts: StatusCounts } | undefined;

  constructor(bridgeUrls: readonly string[]) {
    this.#bridgeUrls = bridgeUrls;
  }

  async sample(now = Date.now()): Promise<StatusSnapshot> {
    const texts = await Promise.all(
      this.#bridgeUrls.map(async (url) => {
        try {
          const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(2_000) });
          return response.ok ? await response.text() : '';
        } catch {
          return '';
        }
      }),
    );
    const samples = texts.flatMap((t) => parsePrometheusText(t));
    const counts = Object.fromEntries(
      Object.entries(STATUS_COUNTERS).map(([key, metric]) => [
        key,
        sumMetric(samples, metric.name, metric.labels),
      ]),
    ) as unknown as StatusCounts;
    const previous = this.#previous;
    const seconds = previous === undefined ? 0 : (now - previous.at) / 1000;
    const rates = Object.fromEntries(
      Object.keys(STATUS_COUNTERS).map((key) => {
        const k = key as keyof StatusCounts;
        return [k, previous === undefined || seconds <= 0 ? 0 : (counts[k] - previous.counts[k]) / seconds];
      }),
    ) as unknown as StatusCounts;
    this.#previous = { at: now, counts };
    return { at: now, counts, rates };
  }
}

export function formatStatus(s: StatusSnapshot): string {
  const part = (label: string, k: keyof StatusCounts): string =>
    `${label} ${s.counts[k]} (${s.rates[k].toFixed(1)}/s)`;
  return [
    part('received', 'received'),
    part('delivered', 'delivered'),
    part('retried', 'retried'),
    part('dead-lettered', 'deadLettered'),
  ].join('  ');
}
