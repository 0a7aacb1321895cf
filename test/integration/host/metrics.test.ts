import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CE_HEADERS, get, post } from './http-kit.ts';
import { fixture, ServeProcess, stopAllServeProcesses } from './serve-process.ts';

let serve: ServeProcess;

beforeAll(async () => {
  serve = await ServeProcess.start([
    fixture('behaviour.ts'),
    '--tenant',
    'acme',
    '--namespace',
    'ops',
    '--name',
    'meter',
  ]);
});

afterAll(stopAllServeProcesses);

/** The value of one sample line, e.g. `knmesh_host_requests_total{mode="binary",status="200"`. */
function sample(text: string, prefix: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('knmesh serve: /metrics', () => {
  it('counts requests, errors, latency, in-flight and user metrics, labelled with the function', async () => {
    const asJson = { ...CE_HEADERS, 'content-type': 'application/json' };
    for (let i = 0; i < 3; i++) await post(serve.url, { ...CE_HEADERS, 'content-type': 'text/plain' }, 'x');
    await post(serve.url, asJson, '{"action":"reject"}');
    await post(serve.url, asJson, '{"action":"throw"}');
    await post(serve.url, asJson, '{"action":"metric"}');
    await post(serve.url, { 'content-type': 'application/json' }, '{"action":"none"}');
    await post(serve.url, { ...CE_HEADERS, 'ce-source': '' }, 'x');
    await get(`${serve.url}/health/readiness`); // probes and scrapes are not counted

    const answer = await get(`${serve.url}/metrics`);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toContain('text/plain; version=0.0.4');
    const text = answer.text;
    const fn = 'function="acme/ops/meter"';
    expect(sample(text, `knmesh_host_requests_total{mode="binary",status="200",${fn}}`)).toBe(3);
    expect(sample(text, `knmesh_host_requests_total{mode="binary",status="422",${fn}}`)).toBe(1);
    expect(sample(text, `knmesh_host_requests_total{mode="binary",status="500",${fn}}`)).toBe(1);
    expect(sample(text, `knmesh_host_requests_total{mode="binary",status="204",${fn}}`)).toBe(1);
    expect(sample(text, `knmesh_host_requests_total{mode="plain",status="204",${fn}}`)).toBe(1);
    expect(sample(text, `knmesh_host_requests_total{mode="binary",status="400",${fn}}`)).toBe(1);
    expect(sample(text, `knmesh_host_errors_total{code="KNMESH_FUNCTION_REJECTED",${fn}}`)).toBe(1);
    expect(sample(text, `knmesh_host_errors_total{code="KNMESH_FUNCTION_FAILED",${fn}}`)).toBe(1);
    expect(sample(text, `knmesh_host_errors_total{code="KNMESH_CE_INVALID_EVENT",${fn}}`)).toBe(1);
    expect(sample(text, `knmesh_host_request_duration_seconds_count{mode="binary",${fn}}`)).toBe(7);
    expect(sample(text, `knmesh_host_request_duration_seconds_bucket{le="+Inf",mode="binary",${fn}}`)).toBe(
      7,
    );
    expect(sample(text, `knmesh_function_duration_seconds_count{outcome="success",${fn}}`)).toBe(5);
    expect(sample(text, `knmesh_function_duration_seconds_count{outcome="error",${fn}}`)).toBe(2);
    expect(sample(text, `knmesh_host_requests_in_flight{${fn}}`)).toBe(0);
    expect(sample(text, `knmesh_function_user_metric_sum{name="items_seen",${fn}}`)).toBe(8);
    expect(sample(text, `knmesh_function_user_metric_count{name="items_seen",${fn}}`)).toBe(2);
    expect(sample(text, `knmesh_host_info{signature="pulsar",${fn}}`)).toBe(1);
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });
});
