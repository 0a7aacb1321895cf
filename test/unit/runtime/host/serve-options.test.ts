import { describe, expect, it } from 'vitest';
import { parseOptions } from '../../../../runtime/config/parse-options.ts';
import { UsageError } from '../../../../runtime/errors/usage-error.ts';
import { serveOptions } from '../../../../runtime/host/serve-options.ts';

describe('serveOptions', () => {
  it('reads Knative’s PORT, Function Mesh’s FUNC_CONFIG and the service name', () => {
    const { config, positionals } = parseOptions(serveOptions, {
      argv: ['fn.ts'],
      env: { PORT: '9000', FUNC_CONFIG: '{"a":1}', K_SERVICE: 'svc' },
      allowPositionals: true,
    });
    expect([config.port, config.userConfig, config.name, config.signature, positionals]).toEqual([
      9000,
      '{"a":1}',
      'svc',
      'auto',
      ['fn.ts'],
    ]);
    expect(config.bodyLimitBytes).toBe(5 * 1024 * 1024);
  });

  it('refuses user config that is not a JSON object', () => {
    for (const bad of ['[1]', 'nope', '3', 'null']) {
      expect(() =>
        parseOptions(serveOptions, { argv: [], env: { FUNC_CONFIG: bad }, allowPositionals: true }),
      ).toThrow(UsageError);
    }
  });
});
