import { fieldTable, type ComponentKind, type FieldEntry } from './field-table.ts';
import { knmeshAnnotations } from './knmesh-settings.ts';

const KINDS: readonly ComponentKind[] = ['Function', 'Source', 'Sink'];
const WORD: Readonly<Record<FieldEntry['treatment'], string>> = {
  mapped: 'mapped',
  warned: 'warning',
  rejected: '**rejected**',
};

// Markdown table cells: no pipes or newlines, and no raw angle brackets (GitHub would read <name> as HTML).
const cell = (text: string) =>
  text.replace(/\|/g, '\\|').replace(/\n/g, ' ').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function treatment(entry: FieldEntry | undefined): string {
  if (entry === undefined) return '—';
  return entry.whenText === undefined ? WORD[entry.treatment] : `${WORD[entry.treatment]} ${entry.whenText}`;
}

/**
 * The README's field mapping, generated from the field table (one row per field, one column per
 * kind) and the knmesh annotations, so the documentation cannot drift from the code.
 */
export function renderFieldMapping(): string {
  const paths: string[] = [];
  const byPath = new Map<string, Map<string, FieldEntry>>();
  for (const entry of fieldTable) {
    if (!byPath.has(entry.path)) {
      byPath.set(entry.path, new Map());
      paths.push(entry.path);
    }
    for (const kind of entry.kinds) byPath.get(entry.path)!.set(kind, entry);
  }

  const lines = [
    '<!-- prettier-ignore-start -->',
    'Every field of the Function Mesh CRDs (`compute.functionmesh.io/v1alpha1`) and what `knmesh translate`',
    'does with it: **mapped** into the generated objects, translated with a **warning** on stderr, or',
    '**rejected** (the document fails, with the reason). A FunctionMesh member is read like the',
    'standalone kind. `—`: the kind has no such field.',
    '',
    '| Field | Function | Source | Sink | What knmesh does |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const path of paths) {
    const entries = byPath.get(path)!;
    const mesh = entries.get('FunctionMesh');
    if (KINDS.every((k) => !entries.has(k)) && mesh !== undefined) {
      lines.push(`| \`${path}\` (FunctionMesh) | | | | ${cell(`${treatment(mesh)}: ${mesh.note}`)} |`);
      continue;
    }
    // One note per distinct entry, prefixed by its kinds when the kinds differ.
    const distinct = [...new Set(KINDS.map((k) => entries.get(k)).filter((e) => e !== undefined))];
    const note =
      distinct.length === 1
        ? distinct[0]!.note
        : distinct
            .map((e) => `${e.kinds.filter((k) => k !== 'FunctionMesh').join(', ')}: ${e.note}`)
            .join('; ');
    lines.push(
      `| \`${path}\` | ${KINDS.map((k) => treatment(entries.get(k))).join(' | ')} | ${cell(note)} |`,
    );
  }
  lines.push(
    '',
    'knmesh reads these annotations (on the object, or in `spec.pod.annotations`, the only annotations',
    'a FunctionMesh member has); unknown `knmesh.dev/` keys are rejected:',
    '',
    '| Annotation | Applies to | Default | Meaning |',
    '| --- | --- | --- | --- |',
  );
  for (const a of knmeshAnnotations) {
    lines.push(`| \`${a.key}\` | ${a.kinds.join(', ')} | ${cell(a.default)} | ${cell(a.note)} |`);
  }
  lines.push('<!-- prettier-ignore-end -->');
  return `${lines.join('\n')}\n`;
}

export const FIELD_MAPPING_START = '<!-- field-mapping:start';
export const FIELD_MAPPING_END = '<!-- field-mapping:end -->';

/** `readme` with the text between the field-mapping markers replaced by `mapping`. */
export function replaceFieldMapping(readme: string, mapping: string): string {
  const start = readme.indexOf(FIELD_MAPPING_START);
  const end = readme.indexOf(FIELD_MAPPING_END);
  if (start === -1 || end === -1 || end < start) throw new Error('README has no field-mapping markers');
  const afterStart = readme.indexOf('\n', start) + 1;
  return `${readme.slice(0, afterStart)}\n${mapping}\n${readme.slice(end)}`;
}
