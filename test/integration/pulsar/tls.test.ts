import { afterAll, describe, expect, it } from 'vitest';
import { PulsarAdmin } from '../../../runtime/pulsar/admin/pulsar-admin.ts';
import { PulsarClient } from '../../../runtime/pulsar/pulsar-client.ts';
import { PulsarErrors } from '../../../runtime/pulsar/pulsar-errors.ts';
import { receiveN } from '../support/receive-n.ts';
import { testBroker, uniqueTopic } from '../support/test-broker.ts';

const tls = testBroker().tls;
const clients: PulsarClient[] = [];

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
});

describe.skipIf(tls === undefined)('pulsar+ssl:// and https:// with a private CA', () => {
  it('produces and consumes over TLS when the CA is trusted, with hostname verification', async () => {
    const client = new PulsarClient({ serviceUrl: tls!.brokerUrl, tls: { trustCertsFile: tls!.caFile } });
    clients.push(client);
    const topic = uniqueTopic('tls');
    const consumer = await client.subscribe({ topic, subscription: 'sub' });
    const producer = await client.createProducer({ topic, compression: 'lz4' });
    await producer.send({ payload: Buffer.from('over tls') });
    expect((await receiveN(consumer, 1)).map((m) => m.payload.toString())).toEqual(['over tls']);
    const admin = new PulsarAdmin({ adminUrl: tls!.adminUrl, tls: { trustCertsFile: tls!.caFile } });
    expect(await admin.subscriptions(topic)).toContain('sub');
    await admin.close();
  });

  it('refuses an untrusted certificate unless insecure connections are allowed', async () => {
    const strict = new PulsarClient({ serviceUrl: tls!.brokerUrl, operationTimeoutMs: 3000 });
    clients.push(strict);
    const failure = await strict
      .createProducer({ topic: uniqueTopic('tls-untrusted') })
      .catch((e: unknown) => e);
    // Not retried for the whole operation timeout: an untrusted certificate will not become trusted.
    expect(PulsarErrors.tlsFailed.is(failure)).toBe(true);
    const insecure = new PulsarClient({ serviceUrl: tls!.brokerUrl, tls: { allowInsecure: true } });
    clients.push(insecure);
    const producer = await insecure.createProducer({ topic: uniqueTopic('tls-insecure') });
    expect((await producer.send({ payload: Buffer.from('x') })).entryId).toBeGreaterThanOrEqual(0);
  });
});
