import { Counter, Gauge, type Registry } from 'prom-client';
import { FastHistogram } from '../observability/fast-histogram.ts';

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const LAG_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/** Names of the bridge's series; `knmesh dev`'s status line reads them from `/metrics`. */
export const BRIDGE_METRIC_NAMES = {
  received: 'knmesh_bridge_received_total',
  delivered: 'knmesh_bridge_delivered_total',
  replied: 'knmesh_bridge_replies_published_total',
  retried: 'knmesh_bridge_retries_total',
  deadLettered: 'knmesh_bridge_dead_lettered_total',
  acked: 'knmesh_bridge_acked_total',
  released: 'knmesh_bridge_released_total',
  publishFailures: 'knmesh_bridge_publish_failures_total',
} as const;

/** What the metrics read at scrape time. */
export interface BridgeGauges {
  readonly held: () => number;
  readonly requests: () => number;
  readonly connected: () => boolean;
}

/**
 * Series of `knmesh bridge` (docs/bridge.md lists them). Counters count messages, not requests, so a
 * batched delivery of 100 messages adds 100 to `delivered`. The histograms are `FastHistogram`s: they
 * are updated per message.
 */
export class BridgeMetrics {
  readonly received: Counter;
  readonly delivered: Counter<'outcome'>;
  readonly replied: Counter;
  readonly retried: Counter;
  readonly deadLettered: Counter<'code'>;
  readonly acked: Counter;
  readonly released: Counter;
  readonly publishFailures: Counter;
  readonly deliveryDuration: FastHistogram<'mode'>;
  readonly endToEndLag: FastHistogram;

  constructor(registry: Registry, gauges: BridgeGauges) {
    const registers = [registry];
    this.received = new Counter({
      name: BRIDGE_METRIC_NAMES.received,
      help: 'Messages taken from the subscription.',
      registers,
    });
    this.delivered = new Counter({
      name: BRIDGE_METRIC_NAMES.delivered,
      help: 'Delivery attempts by outcome per message: success, retry, dead-letter.',
      labelNames: ['outcome'],
      registers,
    });
    this.replied = new Counter({
      name: BRIDGE_METRIC_NAMES.replied,
      help: 'Reply messages the broker stored (or, at-most-once and manual, that were sent).',
      registers,
    });
    this.retried = new Counter({
      name: BRIDGE_METRIC_NAMES.retried,
      help: 'Retries scheduled after a failed delivery or publish.',
      registers,
    });
    this.deadLettered = new Counter({
      name: BRIDGE_METRIC_NAMES.deadLettered,
      help: 'Messages published to the dead-letter topic, by error code.',
      labelNames: ['code'],
      registers,
    });
    this.acked = new Counter({
      name: BRIDGE_METRIC_NAMES.acked,
      help: 'Messages acknowledged on the subscription.',
      registers,
    });
    this.released = new Counter({
      name: BRIDGE_METRIC_NAMES.released,
      help: 'Messages given back unacknowledged on stop (the broker redelivers them).',
      registers,
    });
    this.publishFailures = new Counter({
      name: BRIDGE_METRIC_NAMES.publishFailures,
      help: 'Replies or dead letters that could not be published (retried, or logged at-most-once).',
      registers,
    });
    this.deliveryDuration = new FastHistogram({
      name: 'knmesh_bridge_delivery_duration_seconds',
      help: 'Time of one delivery request to the function, by content mode (binary, structured, batch).',
      labelName: 'mode',
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.endToEndLag = new FastHistogram({
      name: 'knmesh_bridge_end_to_end_lag_seconds',
      help: 'From the publish time of an input message to its acknowledgement by the bridge.',
      buckets: LAG_BUCKETS,
      registers,
    });
    new Gauge({
      name: 'knmesh_bridge_in_flight_messages',
      help: 'Messages held: taken from the subscription and not yet finished, or with replies not yet stored (at most --max-in-flight).',
      registers,
      collect() {
        this.set(gauges.held());
      },
    });
    new Gauge({
      name: 'knmesh_bridge_requests_in_flight',
      help: 'Delivery requests to the function awaiting an answer or being settled.',
      registers,
      collect() {
        this.set(gauges.requests());
      },
    });
    new Gauge({
      name: 'knmesh_bridge_connected',
      help: '1 while every producer and consumer of the bridge is attached to its broker.',
      registers,
      collect() {
        this.set(gauges.connected() ? 1 : 0);
      },
    });
  }
}
