import { describe, expect, it } from 'vitest';
import { option } from '../../runtime/config/option.ts';
import { optionsToEnv } from '../../runtime/config/options-to-env.ts';
import { parseOptions } from '../../runtime/config/parse-options.ts';
import { renderOptionsHelp } from '../../runtime/config/render-options-help.ts';
import { UsageError } from '../../runtime/errors/usage-error.ts';

const table = {
  pulsarUrl: option.url({
    flag: 'pulsar-url',
    description: 'broker',
    fallbackEnv: ['brokerServiceURL'],
    required: true,
    protocols: ['pulsar', 'pulsar+ssl'],
  }),
  maxInFlight: option.integer({ flag: 'max-in-flight', description: 'window', default: 100, min: 1 }),
  input: option.list({ flag: 'input', description: 'topics' }),
  guarantee: option.enumOf(['atleast_once', 'atmost_once'], {
    flag: 'guarantee',
    description: 'g',
    default: 'atleast_once',
  }),
  token: option.string({
    flag: 'auth-token',
    description: 'token',
    secret: true,
    check: (v) => (v.length > 3 ? undefined : 'too short'),
  }),
  verbose: option.boolean({ flag: 'verbose', description: 'chatty' }),
};

describe('parseOptions', () => {
  it('takes flags over env over fallback env over defaults', () => {
    const env = {
      KNMESH_MAX_IN_FLIGHT: '7',
      brokerServiceURL: 'pulsar://fallback:6650',
      KNMESH_INPUT: 'a, b',
    };
    const parsed = parseOptions(table, { argv: ['--max-in-flight=9'], env });
    expect(parsed.config.maxInFlight).toBe(9);
    expect(parsed.config.pulsarUrl).toBe('pulsar://fallback:6650');
    expect(parsed.config.input).toEqual(['a', 'b']);
    expect(parsed.config.guarantee).toBe('atleast_once');
    expect(parsed.sources.pulsarUrl).toBe('env:brokerServiceURL');
    expect(parsed.sources.maxInFlight).toBe('--max-in-flight');
  });

  it('collects repeated list flags and boolean negations', () => {
    const parsed = parseOptions(table, {
      argv: ['--pulsar-url', 'pulsar://b:6650', '--input', 'x', '--input', 'y', '--verbose', '--no-verbose'],
      env: {},
    });
    expect(parsed.config.input).toEqual(['x', 'y']);
    expect(parsed.config.verbose).toBe(false);
  });

  it('reports every problem at once, naming the flag or variable and the rule', () => {
    let error: unknown;
    try {
      parseOptions(table, {
        argv: ['--bogus', '--guarantee', 'maybe', '--auth-token', 'abc'],
        env: { KNMESH_MAX_IN_FLIGHT: '0' },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message.split('\n')).toEqual([
      'unknown option --bogus',
      'option --pulsar-url is required (or set KNMESH_PULSAR_URL or brokerServiceURL)',
      'invalid value for env KNMESH_MAX_IN_FLIGHT "0": must be at least 1',
      'invalid value for --guarantee "maybe": must be one of atleast_once, atmost_once',
      'invalid value for --auth-token (secret value not shown): too short',
    ]);
  });

  it('accepts one-letter aliases declared with short', () => {
    const withShort = {
      file: option.list({ flag: 'filename', short: 'f', env: null, description: 'files' }),
      output: option.enumOf(['yaml', 'json'], {
        flag: 'output',
        short: 'o',
        description: 'o',
        default: 'yaml',
      }),
    };
    const parsed = parseOptions(withShort, {
      argv: ['-f', 'a.yaml', '-f=-', '--filename', 'c', '-o', 'json'],
      env: {},
    });
    expect(parsed.config.file).toEqual(['a.yaml', '-', 'c']);
    expect(parsed.config.output).toBe('json');
    expect(() => parseOptions(withShort, { argv: ['-x'], env: {} })).toThrow('unknown option -x');
    expect(() => parseOptions(withShort, { argv: ['-f'], env: {} })).toThrow(
      'option --filename needs a value',
    );
    expect(renderOptionsHelp(withShort)).toContain('-f, --filename <list>');
  });

  it('rejects URLs with the wrong scheme', () => {
    expect(() => parseOptions(table, { argv: ['--pulsar-url', 'http://x'], env: {} })).toThrow(
      'invalid value for --pulsar-url "http://x": scheme must be one of pulsar, pulsar+ssl',
    );
  });

  it('renders env variables for the same table (translator side)', () => {
    expect(optionsToEnv(table, { pulsarUrl: 'pulsar://x:6650', input: ['a', 'b'], maxInFlight: 5 })).toEqual([
      { name: 'KNMESH_PULSAR_URL', value: 'pulsar://x:6650' },
      { name: 'KNMESH_MAX_IN_FLIGHT', value: '5' },
      { name: 'KNMESH_INPUT', value: 'a,b' },
    ]);
  });
});
