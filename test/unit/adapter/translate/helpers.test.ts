import { describe, expect, it } from 'vitest';
import { canonicalObject } from '../../../../adapter/translate/canonical-object.ts';
import {
  findCredentialKeys,
  looksLikeCredential,
} from '../../../../adapter/translate/find-credential-keys.ts';
import { formatPath } from '../../../../adapter/translate/format-path.ts';
import { formatValue } from '../../../../adapter/translate/format-value.ts';
import { parseQuantity } from '../../../../adapter/translate/parse-quantity.ts';
import { parseTopicName } from '../../../../adapter/translate/parse-topic-name.ts';
import { renderManifests } from '../../../../adapter/translate/render-manifests.ts';
import { toDnsLabel, toDnsLabelWithSuffix } from '../../../../adapter/translate/to-dns-label.ts';

describe('toDnsLabel', () => {
  it('keeps names that already are DNS-1035 labels', () => {
    expect(toDnsLabel('exclamation')).toBe('exclamation');
    expect(toDnsLabel('a'.repeat(63))).toBe('a'.repeat(63));
  });

  it('shortens long names with a stable hash, within the limit', () => {
    const long = `fn-${'x'.repeat(70)}`;
    const label = toDnsLabel(long);
    expect(label).toHaveLength(63);
    expect(label).toMatch(/^fn-x+-[0-9a-f]{8}$/);
    expect(toDnsLabel(long)).toBe(label);
    expect(toDnsLabel(`${long}y`)).not.toBe(label);
    expect(toDnsLabel('orders-handler-bridge', 16)).toMatch(/^orders-[0-9a-f]{8}$/);
  });

  it('sanitises names that are not labels: upper case, dots, underscores, leading digits', () => {
    expect(toDnsLabel('My_Fn')).toMatch(/^my-fn-[0-9a-f]{8}$/);
    expect(toDnsLabel('9lives.v2')).toBe('lives-v2-f098c8a4');
    expect(toDnsLabel('123')).toMatch(/^x-[0-9a-f]{8}$/);
    for (const name of ['My_Fn', '9lives.v2', '123', 'a-', `${'b'.repeat(80)}`]) {
      expect(toDnsLabel(name)).toMatch(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/);
    }
  });
});

describe('toDnsLabelWithSuffix', () => {
  it('appends the suffix to short names and keeps the shortened base of long ones', () => {
    expect(toDnsLabelWithSuffix('exclamation', 'bridge', 54)).toBe('exclamation-bridge');
    const long = `fn-${'x'.repeat(70)}`;
    const service = toDnsLabel(long);
    const bridge = toDnsLabelWithSuffix(long, 'bridge', 54);
    expect(bridge).toHaveLength(54);
    expect(bridge).toMatch(/-bridge$/);
    // Same hash as the function's Service, so the objects of one component are recognisable.
    expect(bridge.slice(-15, -7)).toBe(service.slice(-8));
  });
});

describe('parseTopicName', () => {
  it('fully qualifies the short forms the way Pulsar does', () => {
    expect(parseTopicName('in')).toMatchObject({ full: 'persistent://public/default/in' });
    expect(parseTopicName('t/ns/in')).toMatchObject({
      full: 'persistent://t/ns/in',
      tenant: 't',
      namespace: 'ns',
    });
    expect(parseTopicName('non-persistent://t/ns/in')).toMatchObject({ domain: 'non-persistent' });
    expect(parseTopicName('persistent://t/ns/in-partition-0')).toMatchObject({ local: 'in-partition-0' });
  });

  it('names the rule a bad topic breaks', () => {
    expect(parseTopicName('a/b')).toBe('a short topic name is <tenant>/<namespace>/<topic> or <topic>');
    expect(parseTopicName('kafka://t/ns/x')).toBe('the domain must be persistent:// or non-persistent://');
    expect(parseTopicName('persistent://t/c/ns/x')).toBe(
      'cluster-scoped (v1) topic names are not supported: use <domain>://<tenant>/<namespace>/<topic>',
    );
    expect(parseTopicName('persistent://t/ns/')).toBe('the topic part must be non-empty and without spaces');
    expect(parseTopicName('persistent://t t/ns/x')).toBe('invalid tenant name "t t"');
  });
});

describe('parseQuantity', () => {
  it('reads Kubernetes quantities', () => {
    expect(parseQuantity('500m')).toBe(0.5);
    expect(parseQuantity('1Gi')).toBe(2 ** 30);
    expect(parseQuantity('1.1G')).toBeCloseTo(1.1e9);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity(2)).toBe(2);
    expect(parseQuantity('128Mi')! < parseQuantity('1G')!).toBe(true);
  });

  it('rejects what is not one', () => {
    for (const bad of ['', 'lots', '1 Gi', '1GB', '--1', 'Mi'])
      expect(parseQuantity(bad), bad).toBeUndefined();
  });
});

describe('looksLikeCredential / findCredentialKeys', () => {
  it('flags keys whose last word names a credential', () => {
    for (const key of [
      'password',
      'dbPassword',
      'db.password',
      'auth_token',
      'apiKey',
      'API_KEY',
      'clientSecret',
      'secret',
    ]) {
      expect(looksLikeCredential(key), key).toBe(true);
    }
    for (const key of ['tokenizer', 'secretName', 'maxTokens', 'keyspace', 'passwordPolicyUrl', 'region']) {
      expect(looksLikeCredential(key), key).toBe(false);
    }
  });

  it('finds them at any depth and reports their paths', () => {
    const config = { db: { host: 'x', password: 'p' }, list: [{ apiKey: 'k' }], secretName: 'ref' };
    expect(findCredentialKeys(config, ['spec', 'funcConfig'])).toEqual([
      ['spec', 'funcConfig', 'db', 'password'],
      ['spec', 'funcConfig', 'list', 0, 'apiKey'],
    ]);
  });
});

describe('formatPath and formatValue', () => {
  it('write paths the way kubectl explain reads them', () => {
    expect(formatPath(['spec', 'input', 'topics', 0])).toBe('spec.input.topics[0]');
    expect(formatPath(['spec', 'input', 'sourceSpecs', 'persistent://a/b/c', 'schemaType'])).toBe(
      'spec.input.sourceSpecs["persistent://a/b/c"].schemaType',
    );
    expect(formatPath(['metadata', 'annotations', 'knmesh.dev/protocol'])).toBe(
      'metadata.annotations["knmesh.dev/protocol"]',
    );
  });

  it('show values as JSON, cut to a readable length', () => {
    expect(formatValue('x')).toBe('"x"');
    expect(formatValue(3)).toBe('3');
    expect(formatValue({ a: 'b'.repeat(100) })).toHaveLength(80);
  });

  it('mask credentials inside a shown block', () => {
    expect(formatValue({ className: 'C', configs: { user: 'u', password: 'hunter2' } })).toBe(
      '{"className":"C","configs":{"user":"u","password":"(hidden)"}}',
    );
    expect(formatValue([{ name: 'API_TOKEN', value: 's3cr3t' }])).toBe(
      '[{"name":"API_TOKEN","value":"(hidden)"}]',
    );
  });
});

describe('canonicalObject and renderManifests', () => {
  it('order keys the same way whatever the input order', () => {
    const a = {
      spec: { b: 1, a: [{ value: 'v', name: 'n' }] },
      metadata: { namespace: 'ns', name: 'x' },
      kind: 'K',
      apiVersion: 'v1',
    };
    const b = {
      apiVersion: 'v1',
      kind: 'K',
      metadata: { name: 'x', namespace: 'ns' },
      spec: { a: [{ name: 'n', value: 'v' }], b: 1 },
    };
    expect(JSON.stringify(canonicalObject(a))).toBe(JSON.stringify(canonicalObject(b)));
    expect(Object.keys(canonicalObject(a) as object)).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
  });

  it('writes multi-document YAML without anchors, and a JSON List', () => {
    const shared = { app: 'x' };
    const objects = [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', labels: shared } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', labels: shared }, data: { k: '1' } },
    ];
    expect(renderManifests(objects, 'yaml')).toBe(
      [
        '---',
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: a',
        '  labels:',
        '    app: x',
        '---',
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: b',
        '  labels:',
        '    app: x',
        'data:',
        '  k: "1"',
        '',
      ].join('\n'),
    );
    const list = JSON.parse(renderManifests(objects, 'json')) as { kind: string; items: unknown[] };
    expect(list.kind).toBe('List');
    expect(list.items).toHaveLength(2);
  });
});
