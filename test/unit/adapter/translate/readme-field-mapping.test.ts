import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fieldTable } from '../../../../adapter/translate/field-table.ts';
import {
  renderFieldMapping,
  replaceFieldMapping,
} from '../../../../adapter/translate/render-field-mapping.ts';

const README = new URL('../../../../README.md', import.meta.url);

describe('README field mapping', () => {
  it('is the one generated from the field table (run npm run docs:field-mapping after changing it)', () => {
    const readme = readFileSync(README, 'utf8');
    expect(
      replaceFieldMapping(readme, renderFieldMapping()),
      'README.md is stale: run npm run docs:field-mapping',
    ).toBe(readme);
  });

  it('has a row for every field path of the table', () => {
    const mapping = renderFieldMapping();
    for (const entry of fieldTable) expect(mapping, entry.path).toContain(`| \`${entry.path}\``);
  });

  it('notices a change (the check can fail)', () => {
    const readme = readFileSync(README, 'utf8');
    expect(replaceFieldMapping(readme, `${renderFieldMapping()}| extra |\n`)).not.toBe(readme);
  });
});
