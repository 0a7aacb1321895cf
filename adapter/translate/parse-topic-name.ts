export interface TopicName {
  readonly domain: 'persistent' | 'non-persistent';
  readonly tenant: string;
  readonly namespace: string;
  readonly local: string;
  /** `persistent://tenant/namespace/local`. */
  readonly full: string;
}

const ENTITY = /^[-=:.\w]+$/;

/**
 * Parses a Pulsar topic name the way Pulsar's TopicName does: `domain://tenant/ns/topic`,
 * `tenant/ns/topic` or a bare `topic` (both short forms mean `persistent://`, and a bare topic
 * lives in public/default). Returns the rule it breaks as a string when it is not a topic name.
 */
export function parseTopicName(name: string): TopicName | string {
  let domain = 'persistent';
  let rest = name;
  const sep = name.indexOf('://');
  if (sep !== -1) {
    domain = name.slice(0, sep);
    rest = name.slice(sep + 3);
    if (domain !== 'persistent' && domain !== 'non-persistent') {
      return 'the domain must be persistent:// or non-persistent://';
    }
  } else if (!name.includes('/')) {
    rest = `public/default/${name}`;
  }
  const parts = rest.split('/');
  if (parts.length === 4 && sep !== -1) {
    return 'cluster-scoped (v1) topic names are not supported: use <domain>://<tenant>/<namespace>/<topic>';
  }
  if (parts.length !== 3) {
    return sep === -1
      ? 'a short topic name is <tenant>/<namespace>/<topic> or <topic>'
      : 'a topic name is <domain>://<tenant>/<namespace>/<topic>';
  }
  const [tenant, namespace, local] = parts as [string, string, string];
  if (!ENTITY.test(tenant)) return `invalid tenant name ${JSON.stringify(tenant)}`;
  if (!ENTITY.test(namespace)) return `invalid namespace name ${JSON.stringify(namespace)}`;
  if (local === '' || /\s/.test(local)) return 'the topic part must be non-empty and without spaces';
  return {
    domain: domain as TopicName['domain'],
    tenant,
    namespace,
    local,
    full: `${domain}://${tenant}/${namespace}/${local}`,
  };
}
