import { PulsarErrors } from './pulsar-errors.ts';

/** A parsed, fully qualified topic name (`persistent://tenant/namespace/local`). */
export interface TopicName {
  readonly domain: 'persistent' | 'non-persistent';
  readonly tenant: string;
  readonly namespace: string;
  /** `tenant/namespace` (or `tenant/cluster/namespace` for v1 names). */
  readonly namespaceName: string;
  readonly localName: string;
  readonly fullName: string;
  /** -1 unless the name is `<base>-partition-<n>`. */
  readonly partitionIndex: number;
  /** The name without the `-partition-<n>` suffix. */
  readonly baseName: string;
}

const NAME_PART = /^[-=:.\w]+$/;
const PARTITION = /^(.*)-partition-(\d+)$/;

/**
 * Parses a topic as the Java client does: `my-topic` is `persistent://public/default/my-topic`,
 * `tenant/ns/my-topic` gets the persistent domain; v1 names with a cluster are accepted.
 */
export function parseTopicName(topic: string): TopicName {
  const invalid = (why: string): never => {
    throw PulsarErrors.invalidTopicName.create(`invalid topic name ${JSON.stringify(topic)}: ${why}`);
  };
  if (typeof topic !== 'string' || topic.length === 0) invalid('empty');
  let name = topic;
  if (!name.includes('://')) {
    const parts = name.split('/');
    if (parts.length === 1) name = `persistent://public/default/${name}`;
    else if (parts.length === 3) name = `persistent://${name}`;
    else invalid('use a short name, tenant/namespace/topic, or a full domain://tenant/namespace/topic');
  }
  const [domain, rest = ''] = name.split('://', 2) as [string, string | undefined];
  if (domain !== 'persistent' && domain !== 'non-persistent') invalid(`unknown domain "${domain}"`);
  const parts = rest.split('/');
  if (parts.length !== 3 && parts.length !== 4) invalid('expected tenant/namespace/topic');
  const localName = parts[parts.length - 1]!;
  const nsParts = parts.slice(0, -1);
  for (const part of nsParts)
    if (!NAME_PART.test(part)) invalid(`"${part}" is not a valid tenant or namespace`);
  if (localName.length === 0) invalid('empty local name');
  if (/[\s]/.test(localName)) invalid('white space in the local name');
  const match = PARTITION.exec(localName);
  const partitionIndex = match ? Number(match[2]) : -1;
  const namespaceName = nsParts.join('/');
  const fullName = `${domain}://${namespaceName}/${localName}`;
  return {
    domain: domain as 'persistent' | 'non-persistent',
    tenant: nsParts[0]!,
    namespace: nsParts[nsParts.length - 1]!,
    namespaceName,
    localName,
    fullName,
    partitionIndex,
    baseName: match ? `${domain}://${namespaceName}/${match[1]}` : fullName,
  };
}

/** The name of partition `index` of a partitioned topic. */
export function partitionName(topic: string, index: number): string {
  return `${topic}-partition-${index}`;
}
