import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';

type Schema = Record<string, unknown>;

/**
 * Makes a CRD's structural schema strict the way `kubectl apply --validate=strict` is: an object
 * that lists its properties and does not preserve unknown fields rejects any other property.
 * Kubernetes extensions become plain JSON Schema (int-or-string) or are dropped.
 */
function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (typeof schema !== 'object' || schema === null) return schema;
  const s = schema as Schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(s)) {
    if (key.startsWith('x-kubernetes-')) continue;
    if (key === 'properties' || key === 'patternProperties') {
      out[key] = Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, strict(v)]));
    } else {
      out[key] = strict(value);
    }
  }
  if (s['x-kubernetes-int-or-string'] === true) {
    delete out['type'];
    delete out['anyOf'];
    out['type'] = ['integer', 'string'];
  }
  if (
    s['properties'] !== undefined &&
    s['x-kubernetes-preserve-unknown-fields'] !== true &&
    s['additionalProperties'] === undefined
  ) {
    out['additionalProperties'] = false;
  }
  return out;
}

/** A validator per served version of the CRD in `file`. */
export function crdValidator(file: string, version: string): ValidateFunction {
  const crd = parseAllDocuments(readFileSync(file, 'utf8'))
    .map(
      (d) =>
        d.toJS() as {
          kind?: string;
          spec?: { versions?: { name: string; schema: { openAPIV3Schema: unknown } }[] };
        },
    )
    .find((d) => d.kind === 'CustomResourceDefinition');
  const schema = crd?.spec?.versions?.find((v) => v.name === version)?.schema.openAPIV3Schema;
  if (schema === undefined) throw new Error(`${file} has no version ${version}`);
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  return ajv.compile(strict(schema) as Schema);
}
