import { describe, expect, it } from 'vitest';
import { renderStandaloneConfig } from '../../../runtime/pulsar/standalone/standalone-config.ts';

/** The key=value lines of a rendered configuration. */
function entries(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0 && !line.startsWith('#')) out[line.slice(0, at)] = line.slice(at + 1);
  }
  return out;
}

describe('renderStandaloneConfig', () => {
  const base = { brokerPort: 6650, webPort: 8080, deduplication: false };

  it('binds everything to loopback and sizes the bookie frames above the broker message limit', () => {
    const conf = entries(renderStandaloneConfig(base));
    expect(conf).toMatchObject({
      bindAddress: '127.0.0.1',
      advertisedAddress: '127.0.0.1',
      listeningInterface: 'lo',
      brokerServicePort: '6650',
      webServicePort: '8080',
      brokerDeduplicationEnabled: 'false',
      // 5 MiB (the broker's default maxMessageSize) + 10 KiB, as the distribution's standalone.conf
      nettyMaxFrameSizeBytes: '5253120',
    });
  });

  it('follows a larger maxMessageSize given as an extra key, so entries of that size can be stored', () => {
    const conf = entries(renderStandaloneConfig({ ...base, extra: { maxMessageSize: '10485760' } }));
    expect(conf['maxMessageSize']).toBe('10485760');
    expect(conf['nettyMaxFrameSizeBytes']).toBe(String(10485760 + 10240));
  });
});
