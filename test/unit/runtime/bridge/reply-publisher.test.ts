import { describe, expect, it } from 'vitest';
import {
  ATTEMPTS_PROPERTY_PREFIX,
  SubscriptionAttemptJournal,
} from '../../../../runtime/bridge/attempt-journal.ts';
import type { Reply } from '../../../../runtime/bridge/delivery-outcome.ts';
import { effectivelyOnceSequenceId } from '../../../../runtime/bridge/effectively-once-sequence.ts';
import { ensureDeduplication } from '../../../../runtime/bridge/ensure-deduplication.ts';
import { ProducerPool, type ProducerFactory } from '../../../../runtime/bridge/producer-pool.ts';
import { ReplyPublisher } from '../../../../runtime/bridge/reply-publisher.ts';
import { ReplyTopics } from '../../../../runtime/bridge/reply-topics.ts';
import { silentLogger } from '../../../../runtime/observability/create-logger.ts';
import { MessageId } from '../../../../runtime/pulsar/message-id.ts';
import type { Producer } from '../../../../runtime/pulsar/producer/producer.ts';
import type {
  ProducerMessage,
  ProducerOptions,
} from '../../../../runtime/pulsar/producer/producer-options.ts';
import { PulsarErrors } from '../../../../runtime/pulsar/pulsar-errors.ts';
import { FakeTimers, message, settle } from './bridge-test-kit.ts';

interface Sent {
  readonly topic: string;
  readonly name: string | undefined;
  readonly message: ProducerMessage;
}

/** Producers that store what they are sent; `lastSequenceId` is what "the broker" reported at creation. */
function fakeClient(
  options: {
    lastSequenceId?: bigint;
    partitions?: number;
    /** How "the broker" answers a send to `topic` (stored at once when undefined). */
    answer?: (topic: string) => Promise<MessageId> | undefined;
  } = {},
): ProducerFactory & {
  sent: Sent[];
  created: ProducerOptions[];
} {
  const sent: Sent[] = [];
  const created: ProducerOptions[] = [];
  return {
    sent,
    created,
    partitionCount: () => Promise.resolve(options.partitions ?? 0),
    createProducer(o: ProducerOptions): Promise<Producer> {
      created.push(o);
      let last = options.lastSequenceId ?? -1n;
      const producer = {
        topic: o.topic,
        producerName: o.producerName ?? 'generated',
        get lastSequenceId() {
          return last;
        },
        send(m: ProducerMessage) {
          sent.push({ topic: o.topic, name: o.producerName, message: m });
          if (m.sequenceId !== undefined && BigInt(m.sequenceId) > last) last = BigInt(m.sequenceId);
          return options.answer?.(o.topic) ?? Promise.resolve(new MessageId(1, sent.length));
        },
        close: () => Promise.resolve(),
      };
      return Promise.resolve(producer as unknown as Producer);
    },
  };
}

const reply = (payload: string, extra: Partial<Reply> = {}): Reply => ({
  topic: undefined,
  key: undefined,
  properties: undefined,
  payload: Buffer.from(payload),
  bindingProperties: {},
  ...extra,
});

function publisher(client: ProducerFactory, effectivelyOnce: boolean, dedup: string[] = []): ReplyPublisher {
  return new ReplyPublisher({
    pool: new ProducerPool({
      client,
      compression: 'none',
      maxPendingMessages: 10,
      batchDelayMs: 1,
      logger: silentLogger(),
      ensureDeduplication: (topic) => {
        dedup.push(topic);
        return Promise.resolve();
      },
    }),
    topics: new ReplyTopics('out', ['alerts']),
    forwardProperties: true,
    subscription: 'public/default/fn',
    deadLetterTopic: undefined,
    effectivelyOnce,
    maxMessageBytes: 100,
  });
}

async function publish(
  p: ReplyPublisher,
  input: ReturnType<typeof message>,
  replies: Reply[],
): Promise<void> {
  const start = await p.start(input, replies);
  if ('failure' in start) throw new Error(start.failure.code);
  await start.stored;
}

describe('ReplyPublisher', () => {
  it('publishes each reply to its topic with the input key, in order', async () => {
    const client = fakeClient();
    const p = publisher(client, false);
    await publish(p, message({ payload: 'in', key: 'k' }), [
      reply('r1'),
      reply('r2', { topic: 'alerts', key: 'k2' }),
    ]);
    expect(client.sent.map((s) => [s.topic, s.message.payload.toString(), s.message.key])).toEqual([
      ['persistent://public/default/out', 'r1', 'k'],
      ['persistent://public/default/alerts', 'r2', 'k2'],
    ]);
    expect(client.created[0]).toMatchObject({ sendTimeoutMs: 0, hashingScheme: 'murmur3-32' });
  });

  it('an input whose replies fail is reported only once every reply has settled (no retry beside a reply in flight)', async () => {
    let store: (() => void) | undefined;
    const client = fakeClient({
      answer: (topic) =>
        topic.endsWith('/out')
          ? Promise.reject(new Error('out failed'))
          : new Promise<MessageId>((resolve) => (store = () => resolve(new MessageId(1, 9)))),
    });
    const p = publisher(client, false);
    const start = await p.start(message({ payload: 'in' }), [reply('r1'), reply('r2', { topic: 'alerts' })]);
    if ('failure' in start) throw new Error(start.failure.code);
    let settled = false;
    const outcome = start.stored.then(
      () => 'stored',
      (error: unknown) => (error as Error).message,
    );
    void outcome.then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled).toBe(false); // r2 is still on its way
    store!();
    expect(await outcome).toBe('out failed');
  });

  it('publishes nothing of an input with a refused topic or a reply too large', async () => {
    const client = fakeClient();
    const p = publisher(client, false);
    const refused = await p.start(message(), [reply('ok'), reply('x', { topic: 'elsewhere' })]);
    expect(refused).toMatchObject({
      failure: { code: 'KNMESH_BRIDGE_REPLY_TOPIC_REFUSED' },
      deadLetter: true,
    });
    const large = await p.start(message(), [reply('y'.repeat(101))]);
    expect(large).toMatchObject({ failure: { code: 'KNMESH_BRIDGE_REPLY_TOO_LARGE' }, deadLetter: true });
    expect(client.sent).toEqual([]);
  });

  it('dead letters leave through a chunking producer of their own; replies and named producers do not chunk', async () => {
    const client = fakeClient();
    const p = publisher(client, false);
    await publish(p, message(), [reply('r')]);
    await p.deadLetter(message(), { code: 'KNMESH_X', status: 413, reason: 'too large' }, { attempts: 1 });
    expect(client.created.map((o) => [o.topic, o.chunking])).toEqual([
      ['persistent://public/default/out', false],
      ['persistent://public/default/in-public-default-fn-DLQ', true],
    ]);
    const named = fakeClient();
    await publish(publisher(named, true), message(), [reply('small')]);
    expect(named.created.map((o) => o.chunking)).toEqual([false]);
  });

  it('effectively-once: a dead letter too large for one entry takes the chunking producer, not the named one', async () => {
    const client = fakeClient();
    const p = publisher(client, true); // entries of 100 bytes here
    const why = { code: 'KNMESH_X', status: 413, reason: 'too large' };
    await p.deadLetter(message({ payload: 'x'.repeat(200) }), why, { attempts: 1 });
    await p.deadLetter(message({ payload: 'small' }), why, { attempts: 1 });
    expect(client.created.map((o) => [o.producerName, o.chunking])).toEqual([
      [undefined, true],
      ['public/default/fn@persistent://public/default/in#dlq', false],
    ]);
  });

  it('effectively-once: named producers, sequence ids per reply of an entry, de-duplication checked first', async () => {
    const client = fakeClient();
    const dedup: string[] = [];
    const p = publisher(client, true, dedup);
    const topic = 'persistent://public/default/in-partition-1';
    const b0 = message({ payload: 'b0', topic, entryId: 9, batchIndex: 0 });
    const b1 = message({ payload: 'b1', topic, entryId: 9, batchIndex: 1 });
    const next = message({ payload: 'n', topic, entryId: 10 });
    await publish(p, b0, [reply('b0-a'), reply('b0-b')]);
    await publish(p, b1, [reply('b1-a')]);
    await publish(p, next, [reply('n-a')]);
    expect(dedup).toEqual(['persistent://public/default/out']);
    expect(client.sent.map((s) => s.name)).toEqual(Array(4).fill(`public/default/fn@${topic}`));
    expect(client.sent.map((s) => s.message.sequenceId)).toEqual([
      effectivelyOnceSequenceId(b0.messageId, 0),
      effectivelyOnceSequenceId(b0.messageId, 1),
      effectivelyOnceSequenceId(b1.messageId, 2),
      effectivelyOnceSequenceId(next.messageId, 0),
    ]);
  });

  it('effectively-once: a restarted bridge skips what the broker stored; a retried input reuses its ids', async () => {
    const topic = 'persistent://public/default/in';
    const first = message({ payload: 'm', topic, entryId: 3 });
    const stored = effectivelyOnceSequenceId(first.messageId, 0)!;
    const client = fakeClient({ lastSequenceId: stored });
    const p = publisher(client, true);
    await publish(p, first, [reply('again'), reply('new')]);
    expect(client.sent.map((s) => s.message.payload.toString())).toEqual(['new']);

    await publish(p, first, [reply('again'), reply('new')]);
    expect(client.sent).toHaveLength(1); // retried: both ids are stored now
  });

  it('effectively-once: messages of a batched entry seen again in the same session keep their ids', async () => {
    const client = fakeClient();
    const p = publisher(client, true);
    const topic = 'persistent://public/default/in-partition-0';
    const copy = (b: number) => message({ payload: `b${b}`, topic, entryId: 4, batchIndex: b });
    // b0 and b1 processed; then (a reconnect) the broker redelivers the whole entry: b0, b1, b2.
    await publish(p, copy(0), [reply('r0')]);
    await publish(p, copy(1), [reply('r1a'), reply('r1b')]);
    for (const b of [0, 1, 2])
      await publish(p, copy(b), b === 1 ? [reply('r1a'), reply('r1b')] : [reply(`r${b}`)]);
    const ids = (b: number, n: number) =>
      Array.from({ length: n }, (_, i) => effectivelyOnceSequenceId(copy(0).messageId, b + i));
    expect(client.sent.map((s) => s.message.sequenceId)).toEqual([...ids(0, 3), ...ids(3, 1)]);
    expect(client.sent.map((s) => s.message.payload.toString())).toEqual(['r0', 'r1a', 'r1b', 'r2']);
  });

  it('effectively-once: keyless replies land on a partition chosen by the sequence id (stable across restarts)', async () => {
    const client = fakeClient({ partitions: 3 });
    const p = publisher(client, true);
    const input = message({ entryId: 77 });
    await publish(p, input, [reply('a'), reply('b'), reply('c')]);
    const expected = [0, 1, 2].map(
      (i) =>
        `persistent://public/default/out-partition-${Number(effectivelyOnceSequenceId(input.messageId, i)! % 3n)}`,
    );
    expect(client.sent.map((s) => s.topic)).toEqual(expected);
  });

  it('dead letters go to <input>-<subscription>-DLQ; effectively-once under their own producer name', async () => {
    const client = fakeClient();
    const p = publisher(client, true);
    const input = message({
      payload: 'poison',
      topic: 'persistent://public/default/in-partition-0',
      entryId: 5,
    });
    await p.deadLetter(input, { code: 'C', status: 500, reason: 'r' }, { attempts: 4 });
    expect(client.sent[0]).toMatchObject({
      topic: 'persistent://public/default/in-public-default-fn-DLQ',
      name: 'public/default/fn@persistent://public/default/in-partition-0#dlq',
    });
    expect(client.sent[0]!.message.sequenceId).toBe(effectivelyOnceSequenceId(input.messageId, 0));
  });
});

describe('SubscriptionAttemptJournal', () => {
  function store(initial: Record<string, string> = {}) {
    const data = new Map<string, Record<string, string>>([
      ['persistent://public/default/in', { ...initial }],
    ]);
    let writes = 0;
    return {
      data,
      get writes() {
        return writes;
      },
      subscriptionProperties: (topic: string) => Promise.resolve({ ...(data.get(topic) ?? {}) }),
      setSubscriptionProperties: (topic: string, _s: string, p: Record<string, string>) => {
        writes++;
        data.set(topic, { ...p });
        return Promise.resolve();
      },
    };
  }

  it('records failures durably, batched, keeps foreign properties, and removes finished messages', async () => {
    const timers = new FakeTimers();
    const s = store({ owner: 'ops' });
    const journal = new SubscriptionAttemptJournal({
      store: s,
      subscription: 'sub',
      timers,
      logger: silentLogger(),
    });
    await journal.load(['persistent://public/default/in']);
    const a = message({ payload: 'a', entryId: 1 });
    const b = message({ payload: 'b', entryId: 2 });
    journal.recordFailure(a, 1);
    journal.recordFailure(a, 2);
    journal.recordFailure(b, 1);
    expect(s.writes).toBe(0);
    await timers.advance(1000);
    expect(s.writes).toBe(1);
    const stored = s.data.get('persistent://public/default/in')!;
    expect(stored['owner']).toBe('ops');
    expect(stored[`${ATTEMPTS_PROPERTY_PREFIX}7:1:-1`]).toMatch(/^2:\d+$/);

    // A new process (a restart) sees the count.
    const after = new SubscriptionAttemptJournal({
      store: s,
      subscription: 'sub',
      timers,
      logger: silentLogger(),
    });
    await after.load(['persistent://public/default/in']);
    expect(after.priorAttempts(a)).toBe(2);
    after.forget(a);
    await timers.advance(1000);
    expect(Object.keys(s.data.get('persistent://public/default/in')!).sort()).toEqual([
      `${ATTEMPTS_PROPERTY_PREFIX}7:2:-1`,
      'owner',
    ]);
  });

  it('takes the broker redelivery count when it is higher, and re-reads for redelivered messages', async () => {
    const timers = new FakeTimers();
    const s = store();
    const journal = new SubscriptionAttemptJournal({
      store: s,
      subscription: 'sub',
      timers,
      logger: silentLogger(),
    });
    await journal.load(['persistent://public/default/in']);
    expect(journal.priorAttempts(message({ redeliveryCount: 2 }))).toBe(2);
    // Another replica records a failure; a redelivered message makes this one read again.
    s.data.set('persistent://public/default/in', {
      [`${ATTEMPTS_PROPERTY_PREFIX}7:50:-1`]: `5:${Math.floor(timers.now() / 1000)}`,
    });
    await timers.advance(6000);
    const prior = journal.priorAttempts(message({ entryId: 50, redeliveryCount: 1 }));
    expect(await prior).toBe(5);
  });
});

describe('ensureDeduplication', () => {
  // Waits end at once (the fake admin changes state per call); a bounded number of polls.
  const timers = () => {
    let now = 0;
    return {
      now: () => now,
      setTimeout: (fn: () => void, ms: number) => {
        now += ms;
        setImmediate(fn);
        return 0;
      },
      clearTimeout: () => undefined,
    };
  };

  it('accepts a topic where de-duplication applies, turns it on for one where it does not', async () => {
    let enabled = false;
    let stats = 0;
    const calls: string[] = [];
    const admin = {
      deduplicationEnabled: () => Promise.resolve(enabled),
      setTopicDeduplication: (_t: string, on: boolean) => {
        calls.push(`set ${on}`);
        enabled = on;
        return Promise.resolve();
      },
      createTopic: () => Promise.resolve(),
      partitionCount: () => Promise.resolve(0),
      // The loaded topic follows the policy a moment later.
      topicStats: () => {
        const status = enabled && stats++ > 0 ? 'Enabled' : 'Disabled';
        return Promise.resolve({ subscriptions: {}, deduplicationStatus: status });
      },
    };
    await ensureDeduplication('persistent://public/default/out', {
      admin,
      timers: timers(),
      logger: silentLogger(),
    });
    expect(calls).toEqual(['set true']);
    await ensureDeduplication('persistent://public/default/out', {
      admin,
      timers: timers(),
      logger: silentLogger(),
    });
    expect(calls).toEqual(['set true']);
  });

  it('creates a missing topic first, and fails clearly when it cannot be turned on', async () => {
    let exists = false;
    const admin = {
      deduplicationEnabled: () =>
        exists ? Promise.resolve(false) : Promise.reject(PulsarErrors.adminNotFound.create('no topic')),
      setTopicDeduplication: () => Promise.reject(PulsarErrors.authenticationFailed.create('HTTP 403')),
      createTopic: () => {
        exists = true;
        return Promise.resolve();
      },
      partitionCount: () => Promise.resolve(0),
      topicStats: () => Promise.resolve({ subscriptions: {} }),
    };
    const error = await ensureDeduplication('out', { admin, timers: timers(), logger: silentLogger() }).catch(
      (e: unknown) => e,
    );
    expect(exists).toBe(true);
    expect(error).toMatchObject({ code: 'KNMESH_BRIDGE_DEDUPLICATION_UNAVAILABLE' });
    expect((error as Error).message).toMatch(/set-deduplication/);
    const noAdmin = await ensureDeduplication('out', {
      admin: undefined,
      timers: timers(),
      logger: silentLogger(),
    }).catch((e: unknown) => e);
    expect((noAdmin as Error).message).toMatch(/--admin-url/);
    await settle();
  });
});

describe('ProducerPool.closeNamed', () => {
  it('closes exactly the named producers (a name that is a prefix of another is not confused)', async () => {
    const closed: string[] = [];
    const client: ProducerFactory = {
      partitionCount: () => Promise.resolve(0),
      createProducer: (o) =>
        Promise.resolve({
          producerName: o.producerName,
          close: () => {
            closed.push(o.producerName ?? '');
            return Promise.resolve();
          },
        } as unknown as Producer),
    };
    const pool = new ProducerPool({
      client,
      compression: 'none',
      maxPendingMessages: 1,
      batchDelayMs: 1,
      logger: silentLogger(),
    });
    await pool.named('s@in-partition-1', 'out');
    await pool.named('s@in-partition-10', 'out');
    await pool.named('s@in-partition-1#dlq', 'dlq');
    await pool.closeNamed(['s@in-partition-1', 's@in-partition-1#dlq']);
    expect(closed.sort()).toEqual(['s@in-partition-1', 's@in-partition-1#dlq']);
  });

  it('creates a name that is still being closed (a partition handed over and back) only once it is closed', async () => {
    const client = fakeClient();
    const events: string[] = [];
    let finishClose!: () => void;
    const create = client.createProducer.bind(client);
    client.createProducer = async (o: ProducerOptions) => {
      events.push(`create ${o.producerName}`);
      const producer = await create(o);
      (producer as { close: () => Promise<void> }).close = () =>
        new Promise<void>((resolve) => (finishClose = resolve)).then(() => void events.push('closed'));
      return producer;
    };
    const pool = new ProducerPool({
      client,
      compression: 'none',
      maxPendingMessages: 10,
      batchDelayMs: 1,
      logger: silentLogger(),
    });
    await pool.named('fn@in-0', 'out');
    const closing = pool.closeNamed(['fn@in-0']);
    const again = pool.named('fn@in-0', 'out');
    await settle();
    expect(events).toEqual(['create fn@in-0']); // the broker would refuse the name while it is in use
    finishClose();
    await closing;
    await again;
    expect(events).toEqual(['create fn@in-0', 'closed', 'create fn@in-0']);
  });
});
