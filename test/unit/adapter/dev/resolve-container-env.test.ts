import { describe, expect, it } from 'vitest';
import { resolveContainerEnv, rewriteServiceUrl } from '../../../../adapter/dev/resolve-container-env.ts';

const context = {
  namespace: 'team-a',
  configMaps: {
    'pulsar-config': { brokerServiceURL: 'pulsar://127.0.0.1:6650', webServiceURL: 'http://127.0.0.1:8080' },
  },
  hostEnv: { API_KEY: 'from-my-shell' },
  serviceUrls: { fn: 'http://127.0.0.1:40001' },
};

describe('resolveContainerEnv', () => {
  it('rebuilds the cluster environment: envFrom, env, downward API, $(VAR), local service URLs', () => {
    const resolved = resolveContainerEnv(
      {
        name: 'bridge',
        image: 'knmesh',
        envFrom: [{ configMapRef: { name: 'pulsar-config' } }],
        env: [
          { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          { name: 'KNMESH_SINK', value: 'http://fn.$(POD_NAMESPACE).svc.cluster.local' },
          { name: 'LITERAL', value: '$$(POD_NAMESPACE) and $(UNDEFINED)' },
          { name: 'webServiceURL', value: 'http://override:8080' },
        ],
      },
      context,
    );
    expect(resolved.env).toEqual({
      brokerServiceURL: 'pulsar://127.0.0.1:6650',
      webServiceURL: 'http://override:8080',
      POD_NAMESPACE: 'team-a',
      KNMESH_SINK: 'http://127.0.0.1:40001',
      LITERAL: '$(POD_NAMESPACE) and $(UNDEFINED)',
    });
    expect(resolved.notes).toEqual([]);
  });

  it('takes secrets only from the local environment and says which are missing', () => {
    const resolved = resolveContainerEnv(
      {
        name: 'function',
        image: 'knmesh',
        envFrom: [{ secretRef: { name: 'pulsar-auth' } }, { configMapRef: { name: 'elsewhere' } }],
        env: [
          { name: 'API_KEY', valueFrom: { secretKeyRef: { name: 'api', key: 'key' } } },
          { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
        ],
      },
      context,
    );
    expect(resolved.env).toEqual({ API_KEY: 'from-my-shell' });
    expect(resolved.notes).toEqual([
      'Secret pulsar-auth (envFrom) is not read locally; set its keys in your environment if needed',
      'ConfigMap elsewhere (envFrom) is not available locally',
      'DB_PASSWORD: from Secret db (key password); export DB_PASSWORD to set it locally',
    ]);
  });
});

describe('rewriteServiceUrl', () => {
  it.each([
    ['http://fn.team-a.svc.cluster.local', 'http://127.0.0.1:40001'],
    ['http://fn.team-a.svc.cluster.local/path?q=1', 'http://127.0.0.1:40001/path?q=1'],
    ['http://fn', 'http://127.0.0.1:40001'],
    ['http://other.team-a.svc.cluster.local', 'http://other.team-a.svc.cluster.local'],
    ['pulsar://fn:6650', 'pulsar://fn:6650'],
    ['not a url', 'not a url'],
  ])('%s → %s', (given, expected) => {
    expect(rewriteServiceUrl(given, context.serviceUrls)).toBe(expected);
  });
});
