import { CloudEvent } from 'cloudevents';
import type { FunctionEnvironment, InvocationRequest } from '../../../../runtime/host/function-context.ts';
import { HostMetrics } from '../../../../runtime/host/host-metrics.ts';
import { NO_MESSAGE, type MessageMetadata } from '../../../../runtime/host/message-metadata.ts';
import { silentLogger } from '../../../../runtime/observability/create-logger.ts';
import { createMetricsRegistry } from '../../../../runtime/observability/create-metrics-registry.ts';

/** Shared fixtures for the host's unit tests: an environment, metrics and requests without HTTP. */
export function testEnvironment(overrides: Partial<FunctionEnvironment> = {}): FunctionEnvironment {
  return {
    tenant: 'acme',
    namespace: 'orders',
    functionName: 'enrich',
    userConfig: Object.freeze({ greeting: 'hi', limit: 3 }),
    env: { DB_PASSWORD: 's3cret' },
    logger: silentLogger(),
    replySource: '/knmesh/functions/acme/orders/enrich',
    recordMetric: () => undefined,
    ...overrides,
  };
}

export function testMetrics(): HostMetrics {
  return new HostMetrics(createMetricsRegistry({ processMetrics: false }), silentLogger(), () => 0);
}

export function eventRequest(data: unknown, message: MessageMetadata = NO_MESSAGE): InvocationRequest {
  const event = new CloudEvent<unknown>({ id: 'in-1', source: '/in', type: 't', data }, false);
  return { event, data, message, id: event.id, method: 'POST', url: '/?a=1&b=2&b=3', headers: { host: 'x' } };
}
