import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { CE_HEADERS, json, post } from './http-kit.ts';
import { ServeProcess, stopAllServeProcesses } from './serve-process.ts';

afterAll(stopAllServeProcesses);

// The example functions the Function Mesh CRs in manifests/examples point at, run as the image runs them.
describe('manifests/examples under knmesh serve', () => {
  it('exclamation appends "!" and keeps the key', async () => {
    const serve = await ServeProcess.start(['manifests/examples/exclamation/exclamation.ts']);
    const answer = await post(
      serve.url,
      { ...CE_HEADERS, 'ce-partitionkey': 'k', 'content-type': 'text/plain' },
      'hello',
    );
    expect([answer.status, answer.text, answer.headers['ce-partitionkey']]).toEqual([200, 'hello!', 'k']);
    const bytes = await post(
      serve.url,
      { ...CE_HEADERS, 'content-type': 'application/octet-stream' },
      Buffer.from('raw'),
    );
    expect(bytes.text).toBe('raw!');
  });

  it('word-count counts words and records a user metric', async () => {
    const serve = await ServeProcess.start(['manifests/examples/word-count/word-count.ts']);
    const answer = await post(
      serve.url,
      { ...CE_HEADERS, 'content-type': 'text/plain' },
      'The cat and the hat',
    );
    expect(json(answer)).toEqual({ words: 5, counts: { the: 2, cat: 1, and: 1, hat: 1 } });
    expect((await post(serve.url, { ...CE_HEADERS, 'content-type': 'text/plain' }, ' ... ')).status).toBe(
      204,
    );
    const metrics = await (await fetch(`${serve.url}/metrics`)).text();
    expect(metrics).toMatch(/^knmesh_function_user_metric_sum\{name="words",[^}]*\} 5$/m);
  });

  it('enrichment reads its user config and dead-letters what it cannot read', async () => {
    const serve = await ServeProcess.start(['manifests/examples/enrichment/enrichment.ts'], {
      env: { FUNC_CONFIG: '{"region":"eu-west","currency":"EUR","vatRate":0.21}' },
    });
    const answer = await post(
      serve.url,
      { ...CE_HEADERS, 'content-type': 'application/json' },
      '{"id":"o-1","amount":100}',
    );
    expect(json(answer)).toEqual({
      id: 'o-1',
      amount: 100,
      region: 'eu-west',
      currency: 'EUR',
      vat: 21,
      total: 121,
      enrichedBy: 'public/default/enrichment',
    });
    const bad = await post(
      serve.url,
      { ...CE_HEADERS, 'content-type': 'application/json' },
      '{"amount":"lots"}',
    );
    expect([bad.status, json(bad)['code']]).toEqual([422, 'KNMESH_FUNCTION_REJECTED']);
  });

  it('router publishes each order to one of two topics, keyed by customer', async () => {
    const serve = await ServeProcess.start(['manifests/examples/router/router.ts'], {
      env: { FUNC_CONFIG: '{"threshold":500,"standardTopic":"orders-small"}' },
    });
    const big = await post(
      serve.url,
      { ...CE_HEADERS, 'content-type': 'application/json' },
      '{"amount":900,"customer":"c-1"}',
    );
    expect([big.status, big.headers['ce-knmeshtopic'], big.headers['ce-partitionkey']]).toEqual([
      200,
      'persistent://public/default/orders-priority',
      'c-1',
    ]);
    expect(decodeURIComponent(big.headers['ce-knmeshproperties']!)).toBe(
      '{"routedBy":"router","lane":"priority"}',
    );
    expect(json(big)).toEqual({ amount: 900, customer: 'c-1' });
    const small = await post(
      serve.url,
      { ...CE_HEADERS, 'content-type': 'application/json' },
      '{"amount":20}',
    );
    expect([small.headers['ce-knmeshtopic'], small.headers['ce-partitionkey']]).toEqual([
      'orders-small',
      undefined,
    ]);
  });

  it('pipeline parse reads heartbeats and dead-letters anything else', async () => {
    const serve = await ServeProcess.start(['manifests/examples/pipeline/parse.ts']);
    const time = '2026-11-25T10:00:00.000Z';
    const beat = await post(
      serve.url,
      { ...CE_HEADERS, 'ce-time': time, 'content-type': 'application/json' },
      '{"id":7,"label":"demo"}',
    );
    expect([beat.status, json(beat)]).toEqual([200, { beat: 7, label: 'demo', emittedAt: time }]);
    const bad = await post(serve.url, { ...CE_HEADERS, 'content-type': 'application/json' }, '{"id":"x"}');
    expect([bad.status, json(bad)['code']]).toEqual([422, 'KNMESH_FUNCTION_REJECTED']);
  });

  it('pipeline filter passes one beat in `every` and drops the rest', async () => {
    const serve = await ServeProcess.start(['manifests/examples/pipeline/filter.ts'], {
      env: { FUNC_CONFIG: '{"every":3}' },
    });
    const statuses: number[] = [];
    for (const n of [1, 2, 3, 4, 5, 6]) {
      const answer = await post(
        serve.url,
        { ...CE_HEADERS, 'content-type': 'application/json' },
        JSON.stringify({ beat: n, label: '', emittedAt: undefined }),
      );
      statuses.push(answer.status);
      if (answer.status === 200) expect(json(answer)['beat']).toBe(n);
    }
    expect(statuses).toEqual([204, 204, 200, 204, 204, 200]);
  });
});

// Each example's Function Mesh CR and its code must agree: start the function exactly as its committed
// translation runs it (args and plain env of the Knative Service's container) and send the kind of
// event its input topic carries. A funcConfig the code does not expect shows up here as a 4xx.
describe('manifests/examples: code and Function Mesh CR agree', () => {
  const samples: Record<string, { contentType: string; body: string; expect: number }> = {
    exclamation: { contentType: 'text/plain', body: 'hello', expect: 200 },
    'word-count': { contentType: 'text/plain', body: 'one two two', expect: 200 },
    enrichment: { contentType: 'application/json', body: '{"id":"o-1","amount":10}', expect: 200 },
    router: { contentType: 'application/json', body: '{"amount":1500,"customer":"c-1"}', expect: 200 },
    'pipeline-parse': { contentType: 'application/json', body: '{"id":10,"label":"x"}', expect: 200 },
    'pipeline-filter': { contentType: 'application/json', body: '{"beat":10,"label":"x"}', expect: 200 },
  };
  const services = ['exclamation', 'word-count', 'enrichment', 'router', 'pipeline'].flatMap((example) =>
    parseAllDocuments(readFileSync(`manifests/examples/${example}/translated.yaml`, 'utf8'))
      .map((d) => d.toJS() as KnativeService)
      .filter((o) => o.kind === 'Service' && o.spec.template.spec.containers[0]?.args?.[0] === 'serve'),
  );

  it('covers every knmesh serve function of the examples', () => {
    expect(services.map((s) => s.metadata.name).sort()).toEqual(Object.keys(samples).sort());
  });

  it.each(Object.keys(samples))('%s answers its sample event', async (name) => {
    const container = services.find((s) => s.metadata.name === name)!.spec.template.spec.containers[0]!;
    const env = Object.fromEntries(
      (container.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]),
    );
    const serve = await ServeProcess.start(container.args!.slice(1), { env });
    const sample = samples[name]!;
    const answer = await post(serve.url, { ...CE_HEADERS, 'content-type': sample.contentType }, sample.body);
    expect([answer.status, answer.status >= 400 ? answer.text : '']).toEqual([sample.expect, '']);
  });
});

interface KnativeService {
  kind: string;
  metadata: { name: string };
  spec: {
    template: { spec: { containers: { args?: string[]; env?: { name: string; value?: string }[] }[] } };
  };
}
