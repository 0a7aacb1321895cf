import type { Component } from './component.ts';
import { checkImageReference } from './check-image-reference.ts';
import type { Diagnostics } from './diagnostics.ts';
import type { KnmeshSettings } from './knmesh-settings.ts';

export interface FunctionRuntime {
  readonly image: string;
  /** Container arguments; undefined runs the image's own entry point. */
  readonly args: readonly string[] | undefined;
  /** The container runs `knmesh serve` (and so reads knmesh's options and probes). */
  readonly knmeshServe: boolean;
}

const PACKAGE_URL = /^(function|sink|source):\/\//i;
const HTTP_URL = /^https?:\/\//i;

/**
 * What the function container of a Function or Sink runs:
 * - `genericRuntime.language: nodejs`: `knmesh serve <functionFile | http(s) functionFileLocation>`
 *   in the knmesh image (or `spec.image`, an image built on it);
 * - `spec.image` with annotation `knmesh.dev/protocol: cloudevents`: that image as is;
 * - java/python/golang: rejected by the field table (no HTTP entry point yet).
 */
export function resolveRuntime(
  c: Component,
  settings: KnmeshSettings,
  knmeshImage: string,
  d: Diagnostics,
): FunctionRuntime | undefined {
  const s = c.spec;
  const at = (...p: string[]) => [...c.specPath, ...p];
  const image = s.image === '' ? undefined : s.image;

  if (settings.protocol === 'cloudevents') {
    if (s.genericRuntime !== undefined) {
      d.error({
        path: at('genericRuntime'),
        rule: 'cannot be combined with annotation knmesh.dev/protocol: cloudevents, which says spec.image is the function',
      });
      return undefined;
    }
    if (image === undefined) {
      d.error({ path: at('image'), rule: 'is required with annotation knmesh.dev/protocol: cloudevents' });
      return undefined;
    }
    checkImageReference(image, at('image'), d);
    return { image, args: undefined, knmeshServe: false };
  }

  const runtime = s.genericRuntime;
  if (runtime !== undefined) {
    if (runtime.language !== 'nodejs') {
      d.error({
        path: at('genericRuntime', 'language'),
        rule: 'only nodejs is supported: knmesh has no host for this language yet',
        value: runtime.language,
      });
      return undefined;
    }
    let target = runtime.functionFile;
    const location = runtime.functionFileLocation;
    if (location !== undefined && location !== '') {
      if (PACKAGE_URL.test(location)) {
        d.error({
          path: at('genericRuntime', 'functionFileLocation'),
          rule: 'Pulsar package URLs are not supported yet (no package service client): use an http(s) URL or a file in the image',
          value: location,
        });
        return undefined;
      }
      if (!HTTP_URL.test(location) || !URL.canParse(location)) {
        d.error({
          path: at('genericRuntime', 'functionFileLocation'),
          rule: 'must be an http(s) URL or a function://, sink:// or source:// package (Function Mesh webhook)',
          value: location,
        });
        return undefined;
      }
      target = location;
    }
    if (target.trim() === '') {
      d.error({ path: at('genericRuntime', 'functionFile'), rule: 'must not be empty', value: target });
      return undefined;
    }
    checkImageReference(image, at('image'), d);
    return { image: image ?? knmeshImage, args: ['serve', target], knmeshServe: true };
  }

  if (s.java !== undefined || s.python !== undefined || s.golang !== undefined) return undefined;
  if (image !== undefined) {
    d.error({
      path: at('image'),
      rule: 'an image alone does not say how to call it: add annotation knmesh.dev/protocol: cloudevents (a CloudEvents HTTP server) or a genericRuntime',
      value: image,
    });
    return undefined;
  }
  d.error({
    path: at(),
    rule: 'no runtime: set genericRuntime (language nodejs) or spec.image with annotation knmesh.dev/protocol: cloudevents',
  });
  return undefined;
}
