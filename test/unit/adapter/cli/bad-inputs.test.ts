import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../support/run-cli.ts';

// Every malformed input gets exit status 1, nothing on stdout, and one exact message per problem
// naming the file, the document, the field, the value and the rule. No stack traces.

const fn = (spec: string, meta = 'name: fn') => `apiVersion: compute.functionmesh.io/v1alpha1
kind: Function
metadata:
  ${meta}
spec:
${spec}`;
const BASE = `  input:
    topics: [in]
  genericRuntime:
    language: nodejs
    functionFile: fn.ts
  resources:
    requests: {memory: 64Mi}
    limits: {memory: 64Mi}
  pulsar:
    pulsarConfig: pulsar-config
`;
const RUNTIME = / {2}genericRuntime:\n {4}language: nodejs\n {4}functionFile: fn.ts\n/;

const cases: { name: string; input: string | Uint8Array; args?: string[]; stderr: string }[] = [
  {
    name: 'broken YAML',
    input: 'apiVersion: v1\nkind: a: b\n',
    stderr: '-:2:7: error: document 1: invalid YAML: Nested mappings are not allowed in compact mappings',
  },
  {
    name: 'broken JSON',
    input:
      '{"apiVersion": "compute.functionmesh.io/v1alpha1", "kind": "Function",\n "metadata": {"name": "fn"}\n',
    stderr: '-:3:1: error: document 1: invalid YAML: Flow map must end with a }',
  },
  {
    name: 'a key given twice',
    input: fn(BASE + '  input:\n    topics: [x]\n'),
    stderr: '-:16:3: error: document 1: invalid YAML: Map keys must be unique',
  },
  { name: 'empty input', input: '', stderr: '-: error: no objects: the input is empty' },
  {
    name: 'only comments and separators',
    input: '# nothing here\n---\n',
    stderr: '-: error: no objects: the input is empty',
  },
  {
    name: 'binary junk',
    input: new Uint8Array([0x61, 0x3a, 0x20, 0x00, 0x01, 0xff]),
    stderr: '-: error: binary content (a NUL byte at offset 3): not YAML or JSON text',
  },
  {
    name: 'not UTF-8',
    input: new Uint8Array([0x61, 0x3a, 0x20, 0xc3, 0x28]),
    stderr: '-: error: not UTF-8 text: not YAML or JSON',
  },
  {
    name: 'a document that is not an object',
    input: '- a\n- b\n',
    stderr:
      '-:1:1: error: document 1: a document must be a Kubernetes object: a mapping with apiVersion, kind and metadata',
  },
  {
    name: 'no kind',
    input: 'apiVersion: v1\nmetadata: {name: x}\n',
    stderr: '-:1:1: error: document 1: kind: is required',
  },
  {
    name: 'another kind (translated output fed back)',
    input: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n',
    stderr:
      '-:2:1: error: document 1 (Deployment x): kind: apps/v1 Deployment is not a Function Mesh kind (Function, Source, Sink, FunctionMesh); it looks like knmesh output: translate the Function Mesh objects, not their translation',
  },
  {
    name: 'another kind',
    input: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n',
    stderr:
      '-:2:1: error: document 1 (ConfigMap x): kind: v1 ConfigMap is not a Function Mesh kind (Function, Source, Sink, FunctionMesh); --passthrough copies objects of other kinds to the output',
  },
  {
    name: 'a Secret, even with --passthrough',
    input: 'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {password: hunter2}\n',
    args: ['--passthrough'],
    stderr:
      '-:2:1: error: document 1 (Secret s): kind = "Secret": Secrets are not passed through: knmesh never writes credentials to its output; apply them separately',
  },
  {
    name: 'wrong apiVersion',
    input: fn(BASE).replace('v1alpha1', 'v1beta1'),
    stderr:
      '-:1:1: error: document 1 (Function fn): apiVersion = "compute.functionmesh.io/v1beta1": must be compute.functionmesh.io/v1alpha1 for a Function',
  },
  {
    name: 'unknown field (schema violation)',
    input: fn(BASE + '  inputs: [x]\n'),
    stderr:
      '-:16:3: error: document 1 (Function fn): spec.inputs: unknown field: the Function schema has no such field',
  },
  {
    name: 'wrong type (schema violation)',
    input: fn(BASE + '  maxReplicas: five\n'),
    stderr: '-:16:3: error: document 1 (Function fn): spec.maxReplicas = "five": must be an integer',
  },
  {
    name: 'value outside the enum (schema violation)',
    input: fn(BASE + '  subscriptionPosition: middle\n'),
    stderr:
      '-:16:3: error: document 1 (Function fn): spec.subscriptionPosition = "middle": must be one of latest, earliest',
  },
  {
    name: 'conflicting fields: retainOrdering with retainKeyOrdering',
    input: fn(BASE + '  retainOrdering: true\n  retainKeyOrdering: true\n'),
    stderr:
      '-:17:3: error: document 1 (Function fn): spec.retainKeyOrdering = true: retainOrdering and retainKeyOrdering cannot both be set (Function Mesh webhook)',
  },
  {
    name: 'dead-letter topic without retries',
    input: fn(BASE + '  deadLetterTopic: dead\n'),
    stderr:
      '-:16:3: error: document 1 (Function fn): spec.deadLetterTopic = "dead": needs maxMessageRetry > 0: without retries nothing is ever dead-lettered (Function Mesh webhook)',
  },
  {
    name: 'overlong name',
    input: fn(BASE, 'name: a-function-name-that-is-far-too-long-for-fm1'),
    stderr:
      '-:4:3: error: document 1 (Function a-function-name-that-is-far-too-long-for-fm1): metadata.name = "a-function-name-that-is-far-too-long-for-fm1": the name must be at most 43 characters (Function Mesh webhook)',
  },
  {
    name: 'java runtime',
    input: fn(BASE.replace(RUNTIME, '  java:\n    jar: fn.jar\n')),
    stderr:
      '-:8:3: error: document 1 (Function fn): spec.java = {"jar":"fn.jar"}: the java runtime has no HTTP entry point in knmesh yet; use genericRuntime (language nodejs) or a CloudEvents image',
  },
  {
    name: 'python generic runtime',
    input: fn(BASE.replace('language: nodejs', 'language: python')),
    stderr:
      '-:9:5: error: document 1 (Function fn): spec.genericRuntime.language = "python": only nodejs is supported: knmesh has no host for this language yet',
  },
  {
    name: 'Pulsar package location',
    input: fn(
      BASE.replace(
        'functionFile: fn.ts',
        'functionFile: fn.ts\n    functionFileLocation: function://public/default/fn@1',
      ),
    ),
    stderr:
      '-:11:5: error: document 1 (Function fn): spec.genericRuntime.functionFileLocation = "function://public/default/fn@1": Pulsar package URLs are not supported yet (no package service client): use an http(s) URL or a file in the image',
  },
  {
    name: 'an image without the protocol annotation',
    input: fn(BASE.replace(RUNTIME, '  image: registry.example.com/fn:1\n')),
    stderr:
      '-:8:3: error: document 1 (Function fn): spec.image = "registry.example.com/fn:1": an image alone does not say how to call it: add annotation knmesh.dev/protocol: cloudevents (a CloudEvents HTTP server) or a genericRuntime',
  },
  {
    name: 'batched delivery to a CloudEvents image',
    input: fn(
      BASE.replace(RUNTIME, '  image: registry.example.com/fn:1\n'),
      'name: fn\n  annotations:\n    knmesh.dev/protocol: cloudevents\n    knmesh.dev/delivery: batch',
    ),
    stderr:
      '-:7:5: error: document 1 (Function fn): metadata.annotations["knmesh.dev/delivery"] = "batch": batch needs the knmesh function host (genericRuntime): a knmesh.dev/protocol: cloudevents image gets one event per request (binary or structured)',
  },
  {
    name: 'a credential in funcConfig (value never shown)',
    input: fn(BASE + '  funcConfig:\n    db:\n      password: hunter2\n'),
    stderr:
      '-:18:7: error: document 1 (Function fn): spec.funcConfig.db.password = (value not shown): looks like a credential: knmesh never writes credentials into manifests; put it in a Secret and reference it with secretsMap',
  },
  {
    name: 'inline genericAuth credentials (value never shown)',
    input: fn(
      BASE.replace(
        '    pulsarConfig: pulsar-config',
        '    pulsarConfig: pulsar-config\n    authConfig:\n      genericAuth:\n        clientAuthenticationPlugin: org.apache.pulsar.client.impl.auth.AuthenticationToken\n        clientAuthenticationParameters: token:eyJhbGciOiJIUzI1NiJ9.s3cr3t',
      ),
    ),
    stderr:
      '-:17:7: error: document 1 (Function fn): spec.pulsar.authConfig.genericAuth = (value not shown): it carries credentials inline and knmesh never writes credentials into manifests; put clientAuthenticationPlugin and clientAuthenticationParameters in a Secret and name it in pulsar.authSecret',
  },
  {
    name: 'OAuth2',
    input: fn(
      BASE.replace(
        '    pulsarConfig: pulsar-config',
        '    pulsarConfig: pulsar-config\n    authConfig:\n      oauth2Config:\n        audience: a\n        issuerUrl: https://issuer\n        keySecretName: s\n        keySecretKey: auth.json',
      ),
    ),
    stderr:
      '-:17:7: error: document 1 (Function fn): spec.pulsar.authConfig.oauth2Config = {"audience":"a","issuerUrl":"https://issuer","keySecretName":"s","keySecretKe...: OAuth2 is not supported by the knmesh Pulsar client yet; use token authentication through authSecret',
  },
  {
    name: 'no Pulsar ConfigMap',
    input: fn(BASE.replace('  pulsar:\n    pulsarConfig: pulsar-config\n', '')),
    stderr:
      '-:5:1: error: document 1 (Function fn): spec.pulsar.pulsarConfig: is required: the ConfigMap with brokerServiceURL and webServiceURL (Function Mesh webhook)',
  },
  {
    name: 'output topic that is also an input',
    input: fn(BASE + '  output:\n    topic: persistent://public/default/in\n'),
    stderr:
      '-:17:5: error: document 1 (Function fn): spec.output.topic = "persistent://public/default/in": is also an input topic; a topic is either input or output (Function Mesh webhook)',
  },
  {
    name: 'not a topic name',
    input: fn(BASE + '  output:\n    topic: a/b/c/d\n'),
    stderr:
      '-:17:5: error: document 1 (Function fn): spec.output.topic = "a/b/c/d": not a Pulsar topic name: a short topic name is <tenant>/<namespace>/<topic> or <topic> (Function Mesh webhook)',
  },
  {
    name: 'non-persistent input topic',
    input: fn(BASE.replace('topics: [in]', 'topics: [non-persistent://public/default/in]')),
    stderr:
      '-:7:14: error: document 1 (Function fn): spec.input.topics[0] = "non-persistent://public/default/in": KEDA\'s pulsar scaler reads the backlog of persistent topics only',
  },
  {
    name: 'no memory request or limit',
    input: fn(
      BASE.replace(
        '    requests: {memory: 64Mi}\n    limits: {memory: 64Mi}\n',
        '    requests: {cpu: 100m}\n',
      ),
    ),
    stderr: [
      '-:11:3: error: document 1 (Function fn): spec.resources.limits.memory: a memory limit above 0 is required (Function Mesh webhook)',
      '-:12:5: error: document 1 (Function fn): spec.resources.requests.memory: a memory request above 0 is required (Function Mesh webhook)',
    ].join('\n'),
  },
  {
    name: 'a credential written inline in env (value never shown)',
    input: fn(BASE + '  pod:\n    env:\n      - name: DB_PASSWORD\n        value: hunter2\n'),
    stderr:
      '-:19:9: error: document 1 (Function fn): spec.pod.env[0].value = (value not shown): looks like a credential written inline: knmesh never writes credentials into manifests; use valueFrom.secretKeyRef or secretsMap',
  },
  {
    name: 'reserved env PORT',
    input: fn(BASE + '  pod:\n    env:\n      - name: PORT\n        value: "9000"\n'),
    stderr:
      '-:18:9: error: document 1 (Function fn): spec.pod.env[0].name = "PORT": PORT is set by Knative from the container port',
  },
  {
    name: 'lifecycle hook on a sidecar',
    input: fn(
      BASE +
        '  pod:\n    sidecars:\n      - name: proxy\n        image: proxy:1\n        lifecycle:\n          preStop:\n            exec: {command: [sleep, "5"]}\n',
    ),
    stderr:
      '-:20:9: error: document 1 (Function fn): spec.pod.sidecars[0].lifecycle: Knative does not allow lifecycle hooks (preStop/postStart) in a revision',
  },
  {
    name: 'namespace different from --namespace',
    input: fn(BASE, 'name: fn\n  namespace: other'),
    args: ['-n', 'team-a'],
    stderr:
      '-:5:3: error: document 1 (Function fn): metadata.namespace = "other": differs from --namespace team-a (as kubectl, knmesh does not move objects between namespaces)',
  },
  {
    name: 'the same object generated twice',
    input: `${fn(BASE)}---\n${fn(BASE)}`,
    stderr: [
      '-:20:3: error: document 2 (Function fn): metadata.name: generates Service fn, which document 1 of the input generates too',
      '-:20:3: error: document 2 (Function fn): metadata.name: generates Deployment fn-bridge, which document 1 of the input generates too',
      '-:20:3: error: document 2 (Function fn): metadata.name: generates ScaledObject fn-bridge, which document 1 of the input generates too',
    ].join('\n'),
  },
];

describe('knmesh translate on invalid input', () => {
  it('has at least 15 distinct bad inputs', () => {
    expect(new Set(cases.map((c) => c.name)).size).toBeGreaterThanOrEqual(15);
  });

  for (const c of cases) {
    it(c.name, async () => {
      const run = await runCli(['translate', '-f', '-', ...(c.args ?? [])], { stdin: c.input });
      expect(run.stderr).toBe(`${c.stderr}\n`);
      expect(run.stdout).toBe('');
      expect(run.status).toBe(1);
      expect(run.stderr).not.toMatch(/\n\s+at |hunter2|s3cr3t/);
    });
  }

  it('fails the whole run when one of several documents is bad, and still reports all of them', async () => {
    const run = await runCli(['translate', '-f', '-'], {
      stdin: `${fn(BASE)}---\n${fn(BASE + '  maxReplicas: 0\n', 'name: other')}`,
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      '-:32:3: error: document 2 (Function other): spec.maxReplicas = 0: must be at least 1\n',
    );
  });
});

describe('knmesh translate on bad files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'knmesh-bad-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'junk.yaml'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]));
  mkdirSync(join(dir, 'empty-dir'));
  writeFileSync(join(dir, 'empty-dir', 'notes.txt'), 'not yaml');

  it('names a missing file', async () => {
    const run = await runCli(['translate', '-f', 'nope.yaml'], { cwd: dir });
    expect([run.status, run.stdout, run.stderr]).toEqual([
      1,
      '',
      'nope.yaml: error: no such file or directory\n',
    ]);
  });

  it('names a binary file', async () => {
    const run = await runCli(['translate', '-f', 'junk.yaml'], { cwd: dir });
    expect([run.status, run.stdout, run.stderr]).toEqual([
      1,
      '',
      'junk.yaml: error: binary content (a NUL byte at offset 7): not YAML or JSON text\n',
    ]);
  });

  it('names a directory without manifests', async () => {
    const run = await runCli(['translate', '-f', 'empty-dir'], { cwd: dir });
    expect([run.status, run.stdout, run.stderr]).toEqual([
      1,
      '',
      'empty-dir: error: the directory has no *.yaml, *.yml or *.json file\n',
    ]);
  });
});

describe('knmesh translate usage errors (exit status 2)', () => {
  const usage = async (argv: string[], message: string) => {
    const run = await runCli(['translate', ...argv]);
    expect([run.status, run.stdout, run.stderr]).toEqual([
      2,
      '',
      `knmesh translate: ${message}\nRun \`knmesh translate --help\` for usage.\n`,
    ]);
  };

  it('without -f', () => usage([], 'option --filename (-f) is required: a file, a directory or - for stdin'));
  it('with a positional file', () =>
    usage(['fn.yaml'], 'unexpected argument "fn.yaml": name inputs with -f fn.yaml'));
  it('with an unknown option', () => usage(['--bogus', '-f', 'x'], 'unknown option --bogus'));
  it('with a bad output format', () =>
    usage(['-f', 'x', '-o', 'xml'], 'invalid value for --output "xml": must be one of yaml, json'));
  it('with stdin twice', () => usage(['-f', '-', '-f', '-'], '-f - (standard input) may be given only once'));
  it('with a bad image', () =>
    usage(
      ['-f', 'x', '--image', 'Not An Image'],
      'invalid value for --image "Not An Image": must be an image reference such as registry/name:tag',
    ));
  it('with a bad namespace', () =>
    usage(['-f', 'x', '-n', 'Team_A'], 'invalid value for --namespace "Team_A": must be a namespace name'));
});
