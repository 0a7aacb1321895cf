import { readFileSync } from 'node:fs';
import { nodeHttp, nodeHttps } from '../../net/node-http.ts';
import { adminRequest, type AdminAgents, type AdminAnswer } from './admin-request.ts';
import { noAuthentication, type Authentication } from '../auth/authentication.ts';
import type { TlsSettings } from '../connection/tls-settings.ts';
import { PulsarErrors } from '../pulsar-errors.ts';
import { parseTopicName } from '../topic-name.ts';
import type { MessageId } from '../message-id.ts';

export interface PulsarAdminOptions {
  /** `http://host:8080` or `https://host:8443`. */
  readonly adminUrl: string;
  readonly authentication?: Authentication;
  readonly tls?: TlsSettings;
  /** Per request; default 30 s. */
  readonly timeoutMs?: number;
}

export interface SubscriptionStats {
  readonly msgBacklog: number;
  readonly type?: string;
  readonly consumers?: readonly { consumerName?: string }[];
  readonly [field: string]: unknown;
}

export interface TopicStats {
  readonly msgInCounter?: number;
  readonly storageSize?: number;
  readonly subscriptions: Readonly<Record<string, SubscriptionStats>>;
  readonly publishers?: readonly { producerName?: string }[];
  readonly [field: string]: unknown;
}

/**
 * The parts of Pulsar's admin REST API (v2) that knmesh needs: the bridge makes sure its
 * subscription exists before it consumes (so KEDA sees a backlog even at zero replicas), reads
 * backlogs, and tests set up topics and policies. Credentials come from the same
 * `Authentication` as the binary client; they never appear in errors.
 */
export class PulsarAdmin {
  private readonly base: string;
  private readonly authentication: Authentication;
  private readonly timeoutMs: number;
  private readonly agents: AdminAgents;

  constructor(options: PulsarAdminOptions) {
    this.base = options.adminUrl.replace(/\/+$/, '');
    this.authentication = options.authentication ?? noAuthentication;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    const tls = options.tls;
    // Keep-alive: the attempt journal calls the API for every retried message. Idle sockets do not
    // keep the process alive (node:http unrefs them).
    this.agents = {
      http: new nodeHttp.Agent({ keepAlive: true }),
      https: new nodeHttps.Agent({
        keepAlive: true,
        ...(tls?.trustCertsFile ? { ca: readFileSync(tls.trustCertsFile) } : {}),
        rejectUnauthorized: !tls?.allowInsecure,
        ...(tls?.hostnameVerification === false ? { checkServerIdentity: () => undefined } : {}),
      }),
    };
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...(await this.authentication.httpHeaders()),
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: AdminAnswer;
    try {
      // A broker answers 307 for a topic another broker owns: redirects are followed here with the
      // credentials kept (fetch would drop them on a cross-origin hop), never from https down to http.
      let url = new URL(`${this.base}${path}`);
      for (let hops = 0; ; hops++) {
        response = await adminRequest(url, {
          method,
          headers,
          ...(body === undefined ? {} : { body: body instanceof RawJson ? body.text : JSON.stringify(body) }),
          timeoutMs: this.timeoutMs,
          agents: this.agents,
        });
        const location = response.headers.location;
        if (![301, 302, 307, 308].includes(response.status) || location === undefined) break;
        const next = new URL(location, url);
        if (hops >= 10) throw new Error(`more than 10 redirects, last to ${next.origin}`);
        if (url.protocol === 'https:' && next.protocol !== 'https:') {
          throw new Error(`refusing a redirect from https to ${next.protocol}//${next.host}`);
        }
        url = next;
      }
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      throw (timedOut ? PulsarErrors.timeout : PulsarErrors.adminRequestFailed).create(
        `${method} ${path}: ${timedOut ? `no answer within ${this.timeoutMs} ms` : (error as Error).message}`,
        { cause: error },
      );
    }
    const text = response.text;
    if (response.status < 200 || response.status > 299) {
      const reason = adminReason(text) ?? response.statusText;
      const message = `${method} ${path}: HTTP ${response.status}: ${reason}`;
      if (response.status === 401 || response.status === 403)
        throw PulsarErrors.authenticationFailed.create(message);
      if (response.status === 404)
        throw PulsarErrors.adminNotFound.create(message, { details: { status: 404 } });
      throw PulsarErrors.adminRequestFailed.create(message, { details: { status: response.status } });
    }
    if (text.length === 0) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }

  private topicPath(topic: string): string {
    const t = parseTopicName(topic);
    const segments = [t.domain, ...t.namespaceName.split('/'), t.localName].map(encodeURIComponent);
    return `/admin/v2/${segments.join('/')}`;
  }

  /** True when the broker answers its health check (a message round-trip through storage). */
  async healthy(): Promise<boolean> {
    try {
      return String(await this.call('GET', '/admin/v2/brokers/health')).includes('ok');
    } catch {
      return false;
    }
  }

  /**
   * Creates the subscription at `position` unless it exists (an existing one keeps its cursor).
   * On a partitioned topic it is created on every partition.
   */
  async ensureSubscription(
    topic: string,
    subscription: string,
    position: 'earliest' | 'latest' | MessageId = 'latest',
  ): Promise<'created' | 'exists'> {
    const at =
      position === 'earliest'
        ? { ledgerId: -1, entryId: -1, partitionIndex: -1 }
        : position === 'latest'
          ? { ledgerId: Number.MAX_SAFE_INTEGER, entryId: Number.MAX_SAFE_INTEGER, partitionIndex: -1 }
          : { ledgerId: position.ledgerId, entryId: position.entryId, partitionIndex: position.partition };
    // Longs above 2^53 cannot be written from JSON.stringify exactly; latest is Long.MAX_VALUE.
    const body =
      position === 'latest'
        ? '{"ledgerId":9223372036854775807,"entryId":9223372036854775807,"partitionIndex":-1}'
        : JSON.stringify(at);
    try {
      await this.callRaw(
        'PUT',
        `${this.topicPath(topic)}/subscription/${encodeURIComponent(subscription)}`,
        body,
      );
      return 'created';
    } catch (error) {
      if (PulsarErrors.adminRequestFailed.is(error) && error.details?.['status'] === 409) return 'exists';
      throw error;
    }
  }

  private async callRaw(method: string, path: string, body: string): Promise<unknown> {
    return this.call(method, path, new RawJson(body));
  }

  /**
   * Stats of a topic; for a partitioned topic the aggregate over its partitions. The broker
   * counts `msgBacklog` in entries: a batch counts once (as KEDA's Pulsar scaler sees it too).
   */
  async topicStats(topic: string): Promise<TopicStats> {
    const partitions = await this.partitionCount(topic);
    const suffix = partitions > 0 ? '/partitioned-stats' : '/stats';
    return (await this.call('GET', `${this.topicPath(topic)}${suffix}`)) as TopicStats;
  }

  /** Backlog of one subscription (0 when it does not exist). */
  async backlog(topic: string, subscription: string): Promise<number> {
    return (await this.topicStats(topic)).subscriptions[subscription]?.msgBacklog ?? 0;
  }

  /** Partitions of a topic; 0 when it is not partitioned (or does not exist yet). */
  async partitionCount(topic: string): Promise<number> {
    const answer = (await this.call('GET', `${this.topicPath(topic)}/partitions`)) as { partitions?: number };
    return answer.partitions ?? 0;
  }

  /** Creates a topic: non-partitioned when `partitions` is 0. */
  async createTopic(topic: string, partitions = 0): Promise<void> {
    if (partitions > 0) await this.call('PUT', `${this.topicPath(topic)}/partitions`, partitions);
    else await this.call('PUT', this.topicPath(topic));
  }

  /** Raises the partition count of a partitioned topic (Pulsar never lowers it). */
  async updatePartitions(topic: string, partitions: number): Promise<void> {
    await this.call('POST', `${this.topicPath(topic)}/partitions`, partitions);
  }

  async deleteTopic(topic: string, options: { force?: boolean } = {}): Promise<void> {
    const partitions = await this.partitionCount(topic);
    const path = partitions > 0 ? `${this.topicPath(topic)}/partitions` : this.topicPath(topic);
    await this.call('DELETE', `${path}?force=${options.force === true}`);
  }

  /** Persistent topics of `tenant/namespace`, partitioned topics by their base name. */
  async listTopics(namespace: string): Promise<string[]> {
    const ns = namespace.split('/').map(encodeURIComponent).join('/');
    const [plain, partitioned] = (await Promise.all([
      this.call('GET', `/admin/v2/persistent/${ns}`),
      this.call('GET', `/admin/v2/persistent/${ns}/partitioned`),
    ])) as [string[], string[]];
    const bases = new Set(partitioned);
    const result = new Set<string>(partitioned);
    for (const topic of plain) {
      const base = topic.replace(/-partition-\d+$/, '');
      if (!bases.has(base)) result.add(topic);
    }
    return [...result].sort();
  }

  async subscriptions(topic: string): Promise<string[]> {
    return (await this.call('GET', `${this.topicPath(topic)}/subscriptions`)) as string[];
  }

  /** Properties of a subscription (kept in its cursor, so they survive restarts). */
  async subscriptionProperties(topic: string, subscription: string): Promise<Record<string, string>> {
    const answer = await this.call(
      'GET',
      `${this.topicPath(topic)}/subscription/${encodeURIComponent(subscription)}/properties`,
    );
    return typeof answer === 'object' && answer !== null ? (answer as Record<string, string>) : {};
  }

  /** Replaces every property of a subscription. */
  async setSubscriptionProperties(
    topic: string,
    subscription: string,
    properties: Record<string, string>,
  ): Promise<void> {
    await this.call(
      'PUT',
      `${this.topicPath(topic)}/subscription/${encodeURIComponent(subscription)}/properties`,
      properties,
    );
  }

  /**
   * Whether the broker de-duplicates messages on a topic, as applied (topic policy, else namespace
   * policy, else the broker setting). Throws `adminNotFound` for a topic that does not exist.
   */
  async deduplicationEnabled(topic: string): Promise<boolean> {
    return (await this.call('GET', `${this.topicPath(topic)}/deduplicationEnabled?applied=true`)) === true;
  }

  /** Topic-level de-duplication policy (needs the broker's topic-level policies, on by default). */
  async setTopicDeduplication(topic: string, enabled: boolean): Promise<void> {
    await this.call('POST', `${this.topicPath(topic)}/deduplicationEnabled`, enabled);
  }

  /** Moves a subscription's cursor back to the first message published at or after `timestampMs`. */
  async resetCursor(topic: string, subscription: string, timestampMs = 0): Promise<void> {
    await this.call(
      'POST',
      `${this.topicPath(topic)}/subscription/${encodeURIComponent(subscription)}/resetcursor/${timestampMs}`,
    );
  }

  /** Namespace-wide message de-duplication (what effectively-once needs). */
  async setNamespaceDeduplication(namespace: string, enabled: boolean): Promise<void> {
    const ns = namespace.split('/').map(encodeURIComponent).join('/');
    await this.call('POST', `/admin/v2/namespaces/${ns}/deduplication`, enabled);
  }

  async createNamespace(namespace: string): Promise<void> {
    const ns = namespace.split('/').map(encodeURIComponent).join('/');
    try {
      await this.call('PUT', `/admin/v2/namespaces/${ns}`, {});
    } catch (error) {
      if (!(PulsarErrors.adminRequestFailed.is(error) && error.details?.['status'] === 409)) throw error;
    }
  }

  /** Unloads a topic: the broker closes its producers and consumers, which must reconnect. */
  async unloadTopic(topic: string): Promise<void> {
    await this.call('PUT', `${this.topicPath(topic)}/unload`);
  }

  /** Closes the connections it keeps. */
  close(): Promise<void> {
    this.agents.http.destroy();
    this.agents.https.destroy();
    return Promise.resolve();
  }
}

/** A body already serialised (for Long values JSON.stringify cannot write). */
class RawJson {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

function adminReason(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as { reason?: unknown; message?: unknown };
    const reason = parsed.reason ?? parsed.message;
    return typeof reason === 'string' ? reason : undefined;
  } catch {
    return text.length > 0 && text.length < 300 ? text : undefined;
  }
}
