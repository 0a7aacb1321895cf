import type { Diagnostics, FieldPath } from './diagnostics.ts';

// A container image reference: [registry[:port]/]path[:tag][@digest], as Knative parses it
// (go-containerregistry's name.ParseReference) before it resolves the tag to a digest.
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const HOST = '[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?';
// A first component is a registry only with a dot or a port, or as localhost (as Docker reads it).
const REGISTRY = `(?:(?:localhost|${HOST}(?:\\.${HOST})+)(?::[0-9]+)?/|${HOST}:[0-9]+/)`;
const IMAGE_REFERENCE = new RegExp(
  `^${REGISTRY}?${COMPONENT}(?:/${COMPONENT})*(?::[\\w][\\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`,
);

/** Reports an image that Knative (and the kubelet) cannot parse as a reference. */
export function checkImageReference(image: unknown, path: FieldPath, d: Diagnostics): void {
  if (typeof image !== 'string' || image === '') return;
  if (image.length > 4096 || !IMAGE_REFERENCE.test(image)) {
    d.error({
      path,
      rule: 'is not an image reference ([registry/]repository[:tag][@sha256:digest], lower-case repository)',
      value: image,
    });
  }
}
