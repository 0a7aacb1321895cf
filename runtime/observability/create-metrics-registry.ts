import { collectDefaultMetrics, Registry } from 'prom-client';

export interface MetricsRegistryOptions {
  /** Labels on every series, e.g. `{ function: 'public/default/fn' }`. */
  readonly defaultLabels?: Readonly<Record<string, string>>;
  /** Node.js process metrics (CPU, memory, event-loop lag, GC); on by default. */
  readonly processMetrics?: boolean;
}

/**
 * One Prometheus registry per process, never prom-client's global one, so that a test or an
 * embedding process can hold several components without their series colliding.
 */
export function createMetricsRegistry(options: MetricsRegistryOptions = {}): Registry {
  const registry = new Registry();
  if (options.defaultLabels !== undefined) registry.setDefaultLabels({ ...options.defaultLabels });
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
  return registry;
}
