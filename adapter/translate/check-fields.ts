import type { DiagnosticInit, Diagnostics, FieldPath } from './diagnostics.ts';
import { fieldTable, type DocumentKind, type FieldEntry } from './field-table.ts';
import { parseQuantity } from './parse-quantity.ts';
import { validateKubernetesModel } from './validate-kubernetes-model.ts';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

type Index = ReadonlyMap<string, FieldEntry>;

// One lookup table per kind, built once: path → entry.
const indexes = new Map<DocumentKind, Index>();

function indexOf(kind: DocumentKind): Index {
  let index = indexes.get(kind);
  if (index === undefined) {
    const map = new Map<string, FieldEntry>();
    for (const entry of fieldTable) if (entry.kinds.includes(kind)) map.set(entry.path, entry);
    indexes.set(kind, map);
    index = map;
  }
  return index;
}

/** The table entry of `path` for `kind`, if the table lists it. */
export function fieldEntry(kind: DocumentKind, path: string): FieldEntry | undefined {
  return indexOf(kind).get(path);
}

/**
 * Walks `value` (the field at `tablePath` of a `kind` object, found at `valuePath` of the document)
 * with the field table: structure as in the CRD schema (types, enums, required fields, no unknown
 * fields), Kubernetes types with kubernetes-models, and each field's treatment (warning or
 * rejection with its reason). A FunctionMesh member is walked as its own kind from `spec`.
 * Returns false when the structure is wrong, i.e. the value cannot be read as its type says;
 * rejections are reported too but leave the rest readable.
 */
export function checkFields(
  value: unknown,
  kind: DocumentKind,
  tablePath: string,
  valuePath: FieldPath,
  diagnostics: Diagnostics,
): boolean {
  const entry = indexOf(kind).get(tablePath);
  if (entry === undefined) throw new Error(`field table has no entry ${tablePath} for ${kind}`);
  const walker = new Walker(indexOf(kind), kind, diagnostics);
  walker.walk(value, entry, valuePath, false);
  return walker.structural === 0;
}

class Walker {
  /** Structural errors found so far. */
  structural = 0;
  private readonly index: Index;
  private readonly kind: DocumentKind;
  private readonly d: Diagnostics;

  constructor(index: Index, kind: DocumentKind, d: Diagnostics) {
    this.index = index;
    this.kind = kind;
    this.d = d;
  }

  // `quiet`: an enclosing field was already reported, so its children's treatment is not repeated.
  // A null property means "not set", as in Kubernetes; a null list item or map value is wrong.
  walk(value: unknown, entry: FieldEntry, path: FieldPath, quiet: boolean, property = true): void {
    if (value === undefined || (value === null && property)) return;
    if (!hasType(value, entry)) {
      this.bad({ path, rule: `must be ${describeType(entry)}`, value, secret: entry.secret });
      return;
    }
    if (entry.treatment !== 'mapped' && entry.reportedBy === undefined && (entry.when?.(value) ?? true)) {
      if (entry.treatment === 'rejected') {
        if (!quiet) this.d.error({ path, rule: entry.note, value, secret: entry.secret });
        return;
      }
      if (!quiet) this.d.warning({ path, rule: entry.note, value, secret: entry.secret });
      quiet = true;
    }
    if (entry.opaque === true) {
      this.model(value, entry, path);
      return;
    }
    switch (entry.type) {
      case 'string':
        if (entry.enum !== undefined && !entry.enum.includes(value as string)) {
          this.bad({ path, rule: `must be one of ${entry.enum.join(', ')}`, value });
        }
        return;
      case 'integer': {
        const n = value as number;
        if (entry.format === 'int32' && (n < INT32_MIN || n > INT32_MAX)) {
          this.bad({ path, rule: 'must fit in a 32-bit integer', value });
        } else if (entry.minimum !== undefined && n < entry.minimum) {
          this.bad({ path, rule: `must be at least ${entry.minimum}`, value });
        }
        return;
      }
      case 'quantity':
        if (parseQuantity(value as string | number) === undefined) {
          this.bad({ path, rule: 'must be a Kubernetes quantity such as 500m, 128Mi or 1G', value });
        }
        return;
      case 'array': {
        const child = this.index.get(`${entry.path}[]`);
        if (child !== undefined)
          (value as unknown[]).forEach((item, i) => this.walk(item, child, [...path, i], quiet, false));
        return;
      }
      case 'map': {
        const child = this.index.get(`${entry.path}{}`);
        if (child === undefined) return;
        for (const [key, item] of Object.entries(value as object))
          this.walk(item, child, [...path, key], quiet, false);
        return;
      }
      case 'object': {
        const object = value as Record<string, unknown>;
        for (const name of entry.required ?? []) {
          if (object[name] === undefined || object[name] === null)
            this.bad({ path: [...path, name], rule: 'is required' });
        }
        for (const [key, item] of Object.entries(object)) {
          const child = this.index.get(`${entry.path}.${key}`);
          if (child === undefined) {
            this.bad({
              path: [...path, key],
              rule: `unknown field: the ${this.kind} schema has no such field`,
            });
          } else {
            this.walk(item, child, [...path, key], quiet);
          }
        }
        return;
      }
      case 'boolean':
      case 'free':
        return;
    }
  }

  private model(value: unknown, entry: FieldEntry, path: FieldPath): void {
    if (entry.model === undefined) return;
    const items = entry.type === 'array' ? (value as unknown[]) : [value];
    items.forEach((item, i) => {
      const base = entry.type === 'array' ? [...path, i] : path;
      for (const problem of validateKubernetesModel(entry.model!, item)) {
        this.bad({ path: [...base, ...problem.path], rule: problem.message });
      }
    });
  }

  private bad(init: DiagnosticInit): void {
    this.structural++;
    this.d.error(init);
  }
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasType(value: unknown, entry: FieldEntry): boolean {
  switch (entry.type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isSafeInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'quantity':
      return typeof value === 'string' || typeof value === 'number';
    case 'array':
      return Array.isArray(value);
    case 'object':
    case 'map':
    case 'free':
      return isPlainObject(value);
  }
}

function describeType(entry: FieldEntry): string {
  switch (entry.type) {
    case 'string':
      return 'a string';
    case 'integer':
      return 'an integer';
    case 'boolean':
      return 'true or false';
    case 'quantity':
      return 'a Kubernetes quantity (string or number)';
    case 'array':
      return 'a list';
    case 'object':
    case 'map':
    case 'free':
      return 'an object';
  }
}
