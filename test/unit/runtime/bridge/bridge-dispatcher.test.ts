import { describe, expect, it } from 'vitest';
import { MEDIA_TYPE_BATCH_RESULTS } from '../../../../runtime/cloudevents/batch-results.ts';
import type { HttpMessage } from '../../../../runtime/cloudevents/http-message.ts';
import { bodyOf, message, metricValue, ok, rig, settle, status, type Answer } from './bridge-test-kit.ts';

const echo = (request: HttpMessage): Answer => ok(`${bodyOf(request)}!`, { 'content-type': 'text/plain' });

describe('flow control', () => {
  it('holds at most --max-in-flight messages and takes more only as they finish', async () => {
    const r = rig(echo, { maxInFlight: 5 });
    r.sender.hold();
    r.dispatcher.start();
    r.consumer.feed(...Array.from({ length: 20 }, (_, i) => message({ payload: `m${i}` })));
    await settle();
    expect(r.consumer.taken).toBe(5);
    expect(r.sender.inFlight).toBe(5);
    r.sender.release();
    await settle();
    r.sender.release();
    await settle();
    r.sender.release();
    await settle();
    r.sender.release();
    await settle();
    expect(r.consumer.taken).toBe(20);
    expect(r.consumer.acked).toHaveLength(20);
    expect(r.sender.maxInFlight).toBe(5);
    expect(r.publisher.published).toHaveLength(20);
  });
});

describe('flow control of replies not awaited', () => {
  for (const guarantee of ['atmost_once', 'manual'] as const) {
    it(`${guarantee}: replies not yet stored count against --max-in-flight`, async () => {
      const r = rig(echo, { guarantee, maxInFlight: 5 });
      r.publisher.holdStores = true;
      r.dispatcher.start();
      r.consumer.feed(...Array.from({ length: 50 }, (_, i) => message({ payload: `m${i}` })));
      await settle();
      // Acknowledged as the guarantee says, but no more taken while the output topic is slow.
      expect(r.consumer.taken).toBe(5);
      expect(r.consumer.acked).toHaveLength(5);
      expect(r.publisher.published).toHaveLength(5);
      expect(r.dispatcher.held).toBe(5); // what the in-flight gauge shows
      r.publisher.storeHeld();
      await settle();
      expect(r.consumer.taken).toBe(10);
      r.publisher.holdStores = false;
      r.publisher.storeHeld();
      await settle();
      expect(r.consumer.taken).toBe(50);
      expect(r.consumer.acked).toHaveLength(50);
      expect(await metricValue(r.registry, 'knmesh_bridge_replies_published_total')).toBe(50);
    });
  }
});

describe('ordering', () => {
  it('shared: messages are delivered concurrently', async () => {
    const r = rig(echo, { maxInFlight: 10 });
    r.sender.hold();
    r.dispatcher.start();
    r.consumer.feed(...Array.from({ length: 6 }, (_, i) => message({ payload: `m${i}`, key: 'same' })));
    await settle();
    expect(r.sender.inFlight).toBe(6);
    r.sender.release();
    await settle();
  });

  it('key_shared: one message of a key at a time, keys concurrently, each key in order', async () => {
    const r = rig(echo, { subscriptionType: 'key_shared', maxInFlight: 50 });
    r.sender.hold();
    r.dispatcher.start();
    const keys = ['a', 'b', 'c'];
    r.consumer.feed(
      ...Array.from({ length: 12 }, (_, i) => message({ payload: `${keys[i % 3]}${i}`, key: keys[i % 3] })),
    );
    await settle();
    expect(r.sender.inFlight).toBe(3); // one per key
    for (let round = 0; round < 4; round++) {
      r.sender.release();
      await settle();
    }
    for (const key of keys) {
      const sent = r.sender.bodies.filter((b) => b.startsWith(key));
      expect(sent).toEqual([...sent].sort((x, y) => Number(x.slice(1)) - Number(y.slice(1))));
    }
    expect(r.consumer.acked).toHaveLength(12);
    expect(r.sender.maxInFlight).toBe(3);
  });

  it('failover: strictly one message at a time per partition, partitions concurrently', async () => {
    const r = rig(echo, { subscriptionType: 'failover' });
    r.sender.hold();
    r.dispatcher.start();
    const p = (n: number): string => `persistent://public/default/in-partition-${n}`;
    r.consumer.feed(
      ...Array.from({ length: 8 }, (_, i) =>
        message({ payload: `p${i % 2}-${i}`, topic: p(i % 2), key: `k${i}` }),
      ),
    );
    await settle();
    expect(r.sender.inFlight).toBe(2);
    for (let round = 0; round < 4; round++) {
      r.sender.release();
      await settle();
    }
    expect(r.sender.bodies.filter((b) => b.startsWith('p0'))).toEqual(['p0-0', 'p0-2', 'p0-4', 'p0-6']);
    expect(r.sender.maxInFlight).toBe(2);
  });
});

describe('retries', () => {
  it('retries 5xx, 404, 408, 429 and network failures with growing delays, then succeeds', async () => {
    const failures: Answer[] = [
      status(503),
      status(404),
      { kind: 'unreachable', beforeInvocation: true, reason: 'refused' },
    ];
    const r = rig((req, i) => failures[i] ?? echo(req));
    r.dispatcher.start();
    r.consumer.feed(message({ payload: 'm' }));
    await settle();
    expect(r.sender.requests).toHaveLength(1);
    await r.timers.advance(99);
    expect(r.sender.requests).toHaveLength(1); // first retry after 100 ms (random = 1: the full delay)
    await r.timers.advance(1);
    expect(r.sender.requests).toHaveLength(2);
    await r.timers.advance(200);
    expect(r.sender.requests).toHaveLength(3);
    await r.timers.advance(400);
    expect(r.sender.requests).toHaveLength(4);
    expect(r.consumer.acked).toEqual(['m']);
    expect(r.journal.records.get('m')).toBe(3); // durable count of failed attempts
    expect(r.journal.forgotten).toEqual(['m']);
    expect(await metricValue(r.registry, 'knmesh_bridge_retries_total')).toBe(3);
  });

  it('a retried message keeps its key blocked; other keys go on', async () => {
    let first = true;
    const r = rig(
      (req) => {
        if (bodyOf(req) === 'a1' && first) {
          first = false;
          return status(500);
        }
        return echo(req);
      },
      { subscriptionType: 'key_shared' },
    );
    r.dispatcher.start();
    r.consumer.feed(
      message({ payload: 'a1', key: 'a' }),
      message({ payload: 'a2', key: 'a' }),
      message({ payload: 'b1', key: 'b' }),
    );
    await settle();
    expect(r.consumer.acked).toEqual(['b1']);
    await r.timers.advance(100);
    expect(r.consumer.acked).toEqual(['b1', 'a1', 'a2']);
    expect(r.sender.bodies).toEqual(['a1', 'b1', 'a1', 'a2']);
  });

  it('dead-letters after --max-retries, naming the last failure, and acknowledges', async () => {
    const r = rig(() => status(500, 'KNMESH_FUNCTION_FAILED'), { maxRetries: 2 });
    r.dispatcher.start();
    r.consumer.feed(message({ payload: 'poison' }));
    await r.timers.advance(10_000);
    expect(r.sender.requests).toHaveLength(3);
    expect(r.publisher.deadLetters).toEqual([
      {
        input: 'poison',
        attempts: 3,
        lastCode: 'KNMESH_FUNCTION_FAILED',
        failure: expect.objectContaining({ code: 'KNMESH_BRIDGE_RETRIES_EXHAUSTED', status: 500 }) as unknown,
      },
    ]);
    expect(r.consumer.acked).toEqual(['poison']);
    expect(
      await metricValue(r.registry, 'knmesh_bridge_dead_lettered_total', {
        code: 'KNMESH_BRIDGE_RETRIES_EXHAUSTED',
      }),
    ).toBe(1);
  });

  it('counts attempts made before this process (journal, broker redeliveries) against the budget', async () => {
    const r = rig(() => status(503), { maxRetries: 3 });
    r.journal.records.set('journaled', 3);
    r.dispatcher.start();
    r.consumer.feed(
      message({ payload: 'journaled' }),
      message({ payload: 'redelivered', redeliveryCount: 2 }),
    );
    await r.timers.advance(10_000);
    const attempts = (p: string): number => r.sender.bodies.filter((b) => b === p).length;
    expect(attempts('journaled')).toBe(1);
    expect(attempts('redelivered')).toBe(2);
    expect(r.publisher.deadLetters.map((d) => [d.input, d.attempts])).toEqual([
      ['journaled', 4],
      ['redelivered', 4],
    ]);
  });

  it('uses Retry-After as the lower bound of the next delay', async () => {
    const r = rig((req, i) => (i === 0 ? status(429, 'BUSY', { 'retry-after': '1' }) : echo(req)), {
      maxRetries: 1,
    });
    r.dispatcher.start();
    r.consumer.feed(message({ payload: 'm' }));
    await r.timers.advance(999);
    expect(r.sender.requests).toHaveLength(1);
    await r.timers.advance(1);
    expect(r.consumer.acked).toEqual(['m']);
  });
});

describe('dead letters', () => {
  it('dead-letters other 4xx at once with the function code and status', async () => {
    const r = rig(() => status(422, 'KNMESH_FUNCTION_REJECTED'));
    r.dispatcher.start();
    r.consumer.feed(message({ payload: 'bad' }));
    await settle();
    expect(r.sender.requests).toHaveLength(1);
    expect(r.publisher.deadLetters[0]).toMatchObject({
      input: 'bad',
      attempts: 1,
      failure: { code: 'KNMESH_FUNCTION_REJECTED', status: 422, reason: 'failed with 422' },
    });
    expect(r.consumer.acked).toEqual(['bad']);
  });

  it('dead-letters a message that claims to be a CloudEvent but is not, without delivering it', async () => {
    const r = rig(echo);
    r.dispatcher.start();
    r.consumer.feed(message({ payload: 'x', properties: { ce_specversion: '1.0' } }));
    await settle();
    expect(r.sender.requests).toHaveLength(0);
    expect(r.publisher.deadLetters[0]?.failure.code).toBe('KNMESH_CE_INVALID_EVENT');
  });

  it('dead-letters an input whose reply names a refused topic; nothing is published', async () => {
    const r = rig(echo);
    r.publisher.refuse = true;
    r.dispatcher.start();
    r.consumer.feed(message({ payload: 'm' }));
    await settle();
    expect(r.publisher.published).toEqual([]);
    expect(r.publisher.deadLetters[0]?.failure.code).toBe('KNMESH_BRIDGE_REPLY_TOPIC_REFUSED');
  });

  it('keeps trying to publish a dead letter; the message is acknowledged only once stored', async () => {
    const r = rig(() => status(400));
    r.publisher.deadLetterFailures = 2;
    r.dispatcher.start();
    r.consumer.feed(message({ payload: 'm' }));
    await settle();
    expect(r.consumer.acked).toEqual([]);
    await r.timers.advance(1000);
    expect(r.consumer.acked).toEqual(['m']);
    expect(r.publisher.deadLetters).toHaveLength(1);
  });
});

describe('guarantees', () => {
  it('at-least-once: a failed publish retries the input (and it is acknowledged only after)', async () => {
    const r = rig(echo);
    r.publisher.failNext = new Error('producer closed');
    r.dispatcher.start();
    r.consumer.feed(message({ payload: 'm' }));
    await settle();
    expect(r.consumer.acked).toEqual([]);
    await r.timers.advance(100);
    expect(r.consumer.acked).toEqual(['m']);
    expect(r.sender.requests).toHaveLength(2);
  });

  it('at-most-once: acknowledged on receipt; failures are not retried unless the request never left', async () => {
    const answers: Answer[] = [
      status(500),
      { kind: 'unreachable', beforeInvocation: true, reason: 'refused' },
    ];
    const r = rig(
      (req, i) =>
        bodyOf(req) === 'a' ? answers[0]! : i < 3 && bodyOf(req) === 'b' ? answers[1]! : echo(req),
      {
        guarantee: 'atmost_once',
      },
    );
    r.dispatcher.start();
    r.consumer.feed(message({ payload: 'a' }), message({ payload: 'b' }));
    await settle();
    expect(r.consumer.acked).toEqual(['a', 'b']);
    await r.timers.advance(5000);
    expect(r.sender.bodies.filter((b) => b === 'a')).toHaveLength(1);
    expect(r.publisher.deadLetters.map((d) => d.input)).toEqual(['a']);
    expect(r.sender.bodies.filter((b) => b === 'b').length).toBeGreaterThan(1);
    expect(r.consumer.acked).toEqual(['a', 'b']); // never twice
  });

  it('effectively-once: cumulative acknowledgements, in order', async () => {
    const r = rig(echo, { guarantee: 'effectively_once', subscriptionType: 'failover' });
    r.dispatcher.start();
    r.consumer.feed(...['m0', 'm1', 'm2'].map((p) => message({ payload: p })));
    await settle();
    expect(r.consumer.cumulative).toEqual(['m0', 'm1', 'm2']);
    expect(r.consumer.acked).toEqual([]);
  });

  it('manual: acknowledged after a 2xx without waiting for the replies', async () => {
    const r = rig(echo, { guarantee: 'manual' });
    r.publisher.failNext = new Error('slow broker');
    r.dispatcher.start();
    r.consumer.feed(message({ payload: 'm' }));
    await settle();
    expect(r.consumer.acked).toEqual(['m']);
    expect(await metricValue(r.registry, 'knmesh_bridge_publish_failures_total')).toBe(1);
  });
});

function batchResults(
  handle: (id: string, i: number) => { status: number; body?: string; code?: string },
): (req: HttpMessage) => Answer {
  return (req) => {
    const events = JSON.parse(bodyOf(req)) as { id: string; data?: unknown }[];
    const results = events.map((e, i) => {
      const r = handle(typeof e.data === 'string' ? e.data : e.id, i);
      return r.status >= 400
        ? {
            id: e.id,
            status: r.status,
            error: { code: r.code ?? 'X', message: 'm', retryable: r.status >= 500 },
          }
        : r.status === 204
          ? { id: e.id, status: 204 }
          : {
              id: e.id,
              status: 200,
              events: [
                {
                  specversion: '1.0',
                  id: `r-${e.id}`,
                  source: '/f',
                  type: 't',
                  datacontenttype: 'text/plain',
                  data: r.body ?? 'ok',
                },
              ],
            };
    });
    return {
      status: 200,
      headers: { 'content-type': MEDIA_TYPE_BATCH_RESULTS },
      body: Buffer.from(JSON.stringify({ results })),
    };
  };
}

describe('batched delivery', () => {
  it('sends several messages per request and settles each on its own', async () => {
    const r = rig(
      batchResults((data) =>
        data === 'bad'
          ? { status: 422, code: 'KNMESH_FUNCTION_REJECTED' }
          : data === 'none'
            ? { status: 204 }
            : { status: 200 },
      ),
      { delivery: 'batch', batchSize: 10 },
    );
    r.dispatcher.start();
    r.consumer.feed(...['a', 'bad', 'none', 'b'].map((p) => message({ payload: p })));
    await r.timers.advance(5);
    expect(r.sender.requests).toHaveLength(1);
    expect(JSON.parse(bodyOf(r.sender.requests[0]!))).toHaveLength(4);
    expect(r.consumer.acked.sort()).toEqual(['a', 'b', 'bad', 'none']);
    expect(r.publisher.published).toEqual([
      { input: 'a', replies: 1 },
      { input: 'none', replies: 0 },
      { input: 'b', replies: 1 },
    ]);
    expect(r.publisher.deadLetters.map((d) => d.input)).toEqual(['bad']);
  });

  it('waits --batch-max-wait-ms for a batch to fill, and sends full batches at once', async () => {
    const r = rig(
      batchResults(() => ({ status: 204 })),
      { delivery: 'batch', batchSize: 3, batchMaxWaitMs: 50 },
    );
    r.dispatcher.start();
    r.consumer.feed(...['a', 'b', 'c', 'd'].map((p) => message({ payload: p })));
    await settle();
    expect(r.sender.requests).toHaveLength(1); // a full batch went at once
    await r.timers.advance(49);
    expect(r.sender.requests).toHaveLength(1);
    await r.timers.advance(1);
    expect(r.sender.requests).toHaveLength(2);
  });

  it('in an ordered group, the messages after a retried one wait behind it (not acknowledged)', async () => {
    let failed = false;
    const r = rig(
      batchResults((data) => {
        if (data === 'k2' && !failed) {
          failed = true;
          return { status: 503 };
        }
        return { status: 200, body: data };
      }),
      { delivery: 'batch', subscriptionType: 'failover', guarantee: 'effectively_once', batchSize: 10 },
    );
    r.dispatcher.start();
    r.consumer.feed(...['k1', 'k2', 'k3'].map((p) => message({ payload: p })));
    await r.timers.advance(5);
    expect(r.consumer.cumulative).toEqual(['k1']);
    expect(r.publisher.published.map((p) => p.input)).toEqual(['k1']); // k3 ran, but is not published out of order
    await r.timers.advance(200);
    expect(r.consumer.cumulative).toEqual(['k1', 'k2', 'k3']);
    expect(r.publisher.published.map((p) => p.input)).toEqual(['k1', 'k2', 'k3']);
    const secondBatch = JSON.parse(bodyOf(r.sender.requests[1]!)) as { data: string }[];
    expect(secondBatch.map((e) => e.data)).toEqual(['k2', 'k3']);
  });

  it('effectively-once: a message given back at a stop is never acknowledged by a later one of its group', async () => {
    const r = rig(
      batchResults((data) =>
        data === 'k1' ? { status: 422, code: 'KNMESH_FUNCTION_REJECTED' } : { status: 200 },
      ),
      { delivery: 'batch', subscriptionType: 'failover', guarantee: 'effectively_once', batchSize: 10 },
    );
    r.publisher.deadLetterFailures = 1_000; // the dead-letter topic keeps refusing
    r.dispatcher.start();
    r.consumer.feed(...['k1', 'k2'].map((p) => message({ payload: p })));
    await r.timers.advance(5);
    expect(r.publisher.deadLetters).toEqual([]);
    const stopping = r.dispatcher.stop(1000);
    await r.timers.advance(1000);
    await stopping;
    // k1 was given back; acknowledging k2 cumulatively would acknowledge k1 with it.
    expect(r.consumer.cumulative).toEqual([]);
    expect(r.consumer.acked).toEqual([]);
  });

  it('asks the host to stop an ordered batch at a failure, and sends what it did not run again, uncounted', async () => {
    let a1Failed = false;
    let b1Skipped = false;
    const r = rig(
      batchResults((data) => {
        if (data === 'a1' && !a1Failed) {
          a1Failed = true;
          return { status: 503 };
        }
        if (data === 'b1' && !b1Skipped) {
          b1Skipped = true; // as knmesh serve answers what follows a failure in an ordered batch
          return { status: 503, code: 'KNMESH_HOST_SKIPPED' };
        }
        return { status: 204 };
      }),
      { delivery: 'batch', subscriptionType: 'key_shared', batchSize: 10 },
    );
    r.dispatcher.start();
    r.consumer.feed(message({ payload: 'a1', key: 'a' }), message({ payload: 'b1', key: 'b' }));
    await r.timers.advance(5);
    expect(r.sender.requests[0]!.headers['knmesh-batch-ordered']).toBe('true');
    await r.timers.advance(1_000);
    expect(r.consumer.acked.sort()).toEqual(['a1', 'b1']);
    // b1 was not run, so it used no attempt; a1 failed once and was retried.
    expect(r.journal.records.get('b1')).toBeUndefined();
    expect(r.journal.records.get('a1')).toBe(1);
    expect(r.sender.bodies.filter((b) => b.includes('"b1"'))).toHaveLength(2);

    const shared = rig(
      batchResults(() => ({ status: 204 })),
      { delivery: 'batch', batchSize: 10 },
    );
    shared.dispatcher.start();
    shared.consumer.feed(message({ payload: 'x' }));
    await shared.timers.advance(5);
    expect(shared.sender.requests[0]!.headers['knmesh-batch-ordered']).toBeUndefined();
  });

  it('retries the whole batch when the answer breaks the batch-result contract', async () => {
    let calls = 0;
    const good = batchResults(() => ({ status: 204 }));
    const r = rig(
      (req) =>
        calls++ === 0 ? ok('{"results":[]}', { 'content-type': MEDIA_TYPE_BATCH_RESULTS }) : good(req),
      {
        delivery: 'batch',
      },
    );
    r.dispatcher.start();
    r.consumer.feed(message({ payload: 'a' }), message({ payload: 'b' }));
    await r.timers.advance(5);
    expect(r.consumer.acked).toEqual([]);
    await r.timers.advance(200);
    expect(r.consumer.acked.sort()).toEqual(['a', 'b']);
  });
});

describe('stop', () => {
  it('releases what is not being delivered, lets deliveries in flight finish, never acknowledges after', async () => {
    const r = rig(echo, { subscriptionType: 'key_shared' });
    r.sender.hold();
    r.dispatcher.start();
    r.consumer.feed(message({ payload: 'a1', key: 'a' }), message({ payload: 'a2', key: 'a' }));
    await settle();
    const stopping = r.dispatcher.stop(1000);
    await settle();
    r.sender.release();
    const report = await stopping;
    expect(report).toEqual({ drained: true, released: 1 });
    expect(r.consumer.acked).toEqual(['a1']);
  });

  it('releases deliveries still unfinished at the end of the grace period', async () => {
    const r = rig(echo);
    r.sender.hold();
    r.dispatcher.start();
    r.consumer.feed(message({ payload: 'slow' }));
    await settle();
    const stopping = r.dispatcher.stop(500);
    await r.timers.advance(500);
    expect(await stopping).toEqual({ drained: false, released: 1 });
    r.sender.release();
    await settle();
    expect(r.consumer.acked).toEqual([]); // released: the broker redelivers it
  });

  it('takes nothing more once stopped', async () => {
    const r = rig(echo);
    r.dispatcher.start();
    await r.dispatcher.stop(100);
    r.consumer.feed(message({ payload: 'late' }));
    await settle();
    expect(r.sender.requests).toHaveLength(0);
    expect(r.consumer.acked).toEqual([]);
  });
});
