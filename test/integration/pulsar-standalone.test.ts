import { describe, expect, it } from 'vitest';
import { testBroker, uniqueTopic } from './support/test-broker.ts';

describe('embedded Pulsar standalone broker', () => {
  it('is ready: broker started, public/default exists, health check round-trips', async () => {
    const { adminUrl } = testBroker();
    expect(await (await fetch(`${adminUrl}/admin/v2/brokers/ready`)).text()).toContain('ok');
    expect(await (await fetch(`${adminUrl}/admin/v2/namespaces/public`)).json()).toContain('public/default');
    expect(await (await fetch(`${adminUrl}/admin/v2/brokers/health`)).text()).toContain('ok');
  });

  it('listens on loopback only and creates topics on demand', async () => {
    const { adminUrl, brokerUrl } = testBroker();
    expect(new URL(adminUrl).hostname).toBe('127.0.0.1');
    expect(new URL(brokerUrl).hostname).toBe('127.0.0.1');
    const topic = uniqueTopic('standalone');
    const path = topic.replace('persistent://', '');
    const created = await fetch(`${adminUrl}/admin/v2/persistent/${path}`, { method: 'PUT' });
    expect(created.status).toBe(204);
    const stats = (await (await fetch(`${adminUrl}/admin/v2/persistent/${path}/stats`)).json()) as {
      subscriptions: Record<string, unknown>;
    };
    expect(stats.subscriptions).toEqual({});
  });
});
