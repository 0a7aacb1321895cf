import packageJson from '../../package.json' with { type: 'json' };
import { option } from '../../runtime/config/option.ts';

/** The image `knmesh translate` puts in generated pods unless `--image` says otherwise. */
export const DEFAULT_IMAGE = `ghcr.io/knmesh/knmesh:${packageJson.version}`;

// An OCI reference as Knative parses it: [registry/]path[:tag][@digest], lower-case path.
const IMAGE_REFERENCE =
  /^(?:[a-zA-Z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

/** `knmesh translate` options (ADR 0002: one table per process). */
export const translateOptions = {
  filename: option.list({
    flag: 'filename',
    short: 'f',
    env: null,
    placeholder: 'path',
    description:
      'Function Mesh YAML or JSON: a file, a directory (recursive *.yaml, *.yml, *.json) or - for stdin (repeatable)',
  }),
  output: option.enumOf(['yaml', 'json'], {
    flag: 'output',
    short: 'o',
    env: null,
    default: 'yaml',
    description: 'output format: multi-document YAML, or one JSON List',
  }),
  namespace: option.string({
    flag: 'namespace',
    short: 'n',
    env: null,
    placeholder: 'name',
    description: 'namespace of the generated objects when the input names none',
    check: (v) =>
      /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(v) && v.length <= 63 ? undefined : 'must be a namespace name',
  }),
  image: option.string({
    flag: 'image',
    placeholder: 'ref',
    default: DEFAULT_IMAGE,
    description: 'knmesh image of the serve, bridge and ingress containers',
    check: (v) =>
      IMAGE_REFERENCE.test(v) ? undefined : 'must be an image reference such as registry/name:tag',
  }),
  clusterDomain: option.string({
    flag: 'cluster-domain',
    env: null,
    placeholder: 'domain',
    default: 'cluster.local',
    description: 'DNS domain of the cluster, for in-cluster addresses',
    check: (v) =>
      /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(v)
        ? undefined
        : 'must be a DNS domain',
  }),
  strict: option.boolean({
    flag: 'strict',
    env: null,
    description: 'reject fields that need a Knative feature flag instead of warning',
  }),
  passthrough: option.boolean({
    flag: 'passthrough',
    env: null,
    description: 'copy objects of other kinds (except Secrets) to the output instead of failing',
  }),
};
