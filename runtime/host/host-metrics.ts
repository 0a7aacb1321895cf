import { Counter, Gauge, Summary, type Registry } from 'prom-client';
import { FastHistogram } from '../observability/fast-histogram.ts';
import type { Logger } from '../observability/create-logger.ts';

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const USER_METRIC_LIMIT = 100;
const USER_METRIC_NAME = /^[\w.:/-]{1,100}$/;

/** Series of `knmesh serve`, in the process registry (docs/function-host.md lists them). */
export class HostMetrics {
  readonly requests: Counter<'mode' | 'status'>;
  readonly requestDuration: FastHistogram<'mode'>;
  readonly inFlight: Gauge;
  readonly errors: Counter<'code'>;
  readonly invocationDuration: FastHistogram<'outcome'>;
  readonly runningAfterTimeout: Gauge;
  readonly unhandledRejections: Counter;
  readonly info: Gauge<'signature'>;
  readonly #userMetric: Summary<'name'>;
  readonly #userMetricNames = new Set<string>();
  #warnedOverflow = false;
  readonly #logger: Logger;

  /** `inFlight` reads the number of event requests being served at scrape time (no per-request cost). */
  constructor(registry: Registry, logger: Logger, inFlight: () => number) {
    const registers = [registry];
    this.#logger = logger;
    this.requests = new Counter({
      name: 'knmesh_host_requests_total',
      help: 'Event requests answered, by content mode (binary, structured, batch, plain) and HTTP status.',
      labelNames: ['mode', 'status'],
      registers,
    });
    this.requestDuration = new FastHistogram({
      name: 'knmesh_host_request_duration_seconds',
      help: 'Time from the start of an event request to its answer, by content mode.',
      labelName: 'mode',
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.inFlight = new Gauge({
      name: 'knmesh_host_requests_in_flight',
      help: 'Event requests being served.',
      registers,
      collect() {
        this.set(inFlight());
      },
    });
    this.errors = new Counter({
      name: 'knmesh_host_errors_total',
      help: 'Error answers by catalogue code, counting each event of a batch on its own.',
      labelNames: ['code'],
      registers,
    });
    this.invocationDuration = new FastHistogram({
      name: 'knmesh_function_duration_seconds',
      help: 'Time the function took per event, until it settled or timed out, by outcome (success, error).',
      labelName: 'outcome',
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.runningAfterTimeout = new Gauge({
      name: 'knmesh_function_running_after_timeout',
      help: 'Invocations that timed out but have not settled yet (JavaScript cannot cancel them).',
      registers,
    });
    this.unhandledRejections = new Counter({
      name: 'knmesh_host_unhandled_rejections_total',
      help: 'Promise rejections nobody handled (logged; the process keeps serving).',
      registers,
    });
    this.info = new Gauge({
      name: 'knmesh_host_info',
      help: 'Always 1 once the function is loaded; labelled with its signature.',
      labelNames: ['signature'],
      registers,
    });
    this.#userMetric = new Summary({
      name: 'knmesh_function_user_metric',
      help: 'Values a function recorded with context.recordMetric(name, value).',
      labelNames: ['name'],
      percentiles: [0.5, 0.9, 0.99],
      maxAgeSeconds: 600,
      ageBuckets: 5,
      registers,
    });
  }

  /**
   * `context.recordMetric`: a value for the user metric `name`. Past 100 distinct names further names
   * are dropped (with one warning), so a function cannot blow up the series count.
   */
  recordUserMetric(name: string, value: number): void {
    if (typeof name !== 'string' || !USER_METRIC_NAME.test(name)) {
      throw new TypeError('recordMetric: name must be 1 to 100 letters, digits or _ . : / -');
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new TypeError('recordMetric: value must be a finite number');
    }
    if (!this.#userMetricNames.has(name)) {
      if (this.#userMetricNames.size >= USER_METRIC_LIMIT) {
        if (!this.#warnedOverflow) {
          this.#logger.warn(
            { metric: name },
            `recordMetric: over ${USER_METRIC_LIMIT} metric names; new names are dropped`,
          );
          this.#warnedOverflow = true;
        }
        return;
      }
      this.#userMetricNames.add(name);
    }
    this.#userMetric.observe({ name }, value);
  }
}
