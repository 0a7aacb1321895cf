// Regenerates the README's field mapping table from the translator's field table:
//   npm run docs:field-mapping
import { readFileSync, writeFileSync } from 'node:fs';
import { renderFieldMapping, replaceFieldMapping } from '../../adapter/translate/render-field-mapping.ts';

const path = new URL('../../README.md', import.meta.url);
const before = readFileSync(path, 'utf8');
const after = replaceFieldMapping(before, renderFieldMapping());
if (after === before) {
  console.log('README.md field mapping is up to date');
} else {
  writeFileSync(path, after);
  console.log('README.md field mapping regenerated');
}
