import { afterAll, describe, expect, it } from 'vitest';
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
});
