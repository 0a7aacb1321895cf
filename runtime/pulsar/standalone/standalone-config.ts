export interface StandaloneSettings {
  readonly brokerPort: number;
  readonly webPort: number;
  /** Broker-wide message deduplication (needed for effectively-once without namespace policies). */
  readonly deduplication: boolean;
  /** Further broker configuration keys, applied last. */
  readonly extra?: Readonly<Record<string, string>>;
}

/**
 * The complete standalone broker configuration knmesh runs with. Everything binds to loopback
 * (bookie included, through `listeningInterface=lo`); the ServiceConfiguration defaults that
 * break a one-bookie setup (ensemble and quorums of 2) or surprise tests (idle topic deletion)
 * are overridden. See docs/adr/0003-embedded-pulsar-broker.md.
 */
export function renderStandaloneConfig(settings: StandaloneSettings): string {
  const maxMessageSize = Number(settings.extra?.['maxMessageSize'] ?? 5 * 1024 * 1024);
  const entries: Record<string, string> = {
    clusterName: 'standalone',
    bindAddress: '127.0.0.1',
    advertisedAddress: '127.0.0.1',
    brokerServicePort: String(settings.brokerPort),
    webServicePort: String(settings.webPort),
    webSocketServiceEnabled: 'false',
    managedLedgerDefaultEnsembleSize: '1',
    managedLedgerDefaultWriteQuorum: '1',
    managedLedgerDefaultAckQuorum: '1',
    loadManagerClassName: 'org.apache.pulsar.broker.loadbalance.NoopLoadManager',
    loadBalancerEnabled: 'false',
    brokerDeleteInactiveTopicsEnabled: 'false',
    allowAutoTopicCreation: 'true',
    allowAutoTopicCreationType: 'non-partitioned',
    brokerDeduplicationEnabled: String(settings.deduplication),
    // Lets a consumer ack single messages inside a batch (on by default only from Pulsar 4.1).
    acknowledgmentAtBatchIndexLevelEnabled: 'true',
    journalSyncData: 'false',
    journalMaxGroupWaitMSec: '1',
    // The bookie's frame limit must exceed the broker's maxMessageSize by an entry's overhead
    // (10 KiB, as in the distribution's standalone.conf): at BookKeeper's default (5 MiB, the
    // broker's default limit) a message of the largest allowed size (a full chunk of a split
    // message) is accepted by the broker and then never stored, its write retried without end.
    nettyMaxFrameSizeBytes: String(maxMessageSize + 10 * 1024),
    // The bookie otherwise binds every interface.
    listeningInterface: 'lo',
    allowLoopback: 'true',
    ...settings.extra,
  };
  return (
    '# Written by knmesh; regenerated on every start.\n' +
    Object.entries(entries)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') +
    '\n'
  );
}
