import type { Logger } from '../observability/create-logger.ts';
import type { PulsarAdmin } from '../pulsar/admin/pulsar-admin.ts';
import { PulsarErrors } from '../pulsar/pulsar-errors.ts';
import type { Timers } from '../pulsar/timers.ts';
import { BridgeErrors } from './bridge-errors.ts';

export interface EnsureDeduplicationOptions {
  readonly admin:
    | Pick<
        PulsarAdmin,
        'deduplicationEnabled' | 'setTopicDeduplication' | 'createTopic' | 'partitionCount' | 'topicStats'
      >
    | undefined;
  readonly timers: Timers;
  readonly logger: Logger;
  /** How long to wait for a policy the bridge set to apply. Default 30 s. */
  readonly applyTimeoutMs?: number;
}

/**
 * Effectively-once publishes with sequence ids the broker must de-duplicate: checks that
 * de-duplication applies to `topic` (topic, namespace or broker setting) and, when it does not, turns
 * it on for that topic only (a topic-level policy) and waits until it applies. Fails with
 * `KNMESH_BRIDGE_DEDUPLICATION_UNAVAILABLE`, saying what to do, when that is impossible: without it a
 * restarted bridge would publish duplicates.
 */
export async function ensureDeduplication(topic: string, options: EnsureDeduplicationOptions): Promise<void> {
  const { admin, timers, logger } = options;
  const hint =
    `enable it for the namespace (pulsar-admin namespaces set-deduplication <tenant/namespace> --enable) ` +
    `or the broker (brokerDeduplicationEnabled=true), or give the bridge admin rights on the topic`;
  if (admin === undefined) {
    throw BridgeErrors.deduplicationUnavailable.create(
      `effectively_once needs --admin-url to check broker de-duplication on ${topic}; ${hint}`,
    );
  }
  try {
    const deadline = timers.now() + (options.applyTimeoutMs ?? 30_000);
    if (!(await enabled(admin, topic))) {
      logger.info({ topic }, 'de-duplication is off on an output topic; turning it on for the topic');
      await admin.setTopicDeduplication(topic, true);
      while (!(await admin.deduplicationEnabled(topic))) {
        if (timers.now() >= deadline) throw new Error('the topic policy did not apply in time');
        await new Promise<void>((resolve) => timers.setTimeout(resolve, 200));
      }
    }
    // The policy applies before the loaded topic acts on it: wait for the topic's own status.
    while (!(await running(admin, topic))) {
      if (timers.now() >= deadline) throw new Error('the topic did not start de-duplicating in time');
      await new Promise<void>((resolve) => timers.setTimeout(resolve, 200));
    }
    logger.info({ topic }, 'de-duplication is on');
  } catch (error) {
    if (BridgeErrors.deduplicationUnavailable.is(error)) throw error;
    throw BridgeErrors.deduplicationUnavailable.create(
      `broker de-duplication is off on ${topic} and could not be turned on ` +
        `(${error instanceof Error ? error.message : String(error)}); ${hint}`,
      { cause: error },
    );
  }
}

/** Whether every partition of the topic reports `deduplicationStatus: Enabled` (absent: assumed). */
async function running(
  admin: NonNullable<EnsureDeduplicationOptions['admin']>,
  topic: string,
): Promise<boolean> {
  const partitions = await admin.partitionCount(topic);
  const names =
    partitions === 0 ? [topic] : Array.from({ length: partitions }, (_, i) => `${topic}-partition-${i}`);
  for (const name of names) {
    const status = (await admin.topicStats(name))['deduplicationStatus'];
    if (status !== undefined && status !== 'Enabled') return false;
  }
  return true;
}

async function enabled(
  admin: NonNullable<EnsureDeduplicationOptions['admin']>,
  topic: string,
): Promise<boolean> {
  try {
    return await admin.deduplicationEnabled(topic);
  } catch (error) {
    if (!PulsarErrors.adminNotFound.is(error)) throw error;
    // The topic does not exist yet: create it (as a producer would) so that a policy can be set.
    await admin.createTopic(topic).catch((e: unknown) => {
      if (!(PulsarErrors.adminRequestFailed.is(e) && e.details?.['status'] === 409)) throw e;
    });
    return admin.deduplicationEnabled(topic);
  }
}
