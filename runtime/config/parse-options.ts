import { UsageError } from '../errors/usage-error.ts';
import { envNameOf, type ConfigOf, type Option, type OptionTable } from './option.ts';

export interface ParseOptionsInput {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Prefix of derived env names, e.g. `KNMESH_`. */
  readonly envPrefix?: string;
  /** Accept positional arguments (returned in `positionals`); otherwise they are usage errors. */
  readonly allowPositionals?: boolean;
}

export interface ParsedOptions<S extends OptionTable> {
  readonly config: ConfigOf<S>;
  readonly positionals: readonly string[];
  readonly help: boolean;
  /** Where each value came from, for start-up logs (`flag`, `env:NAME`, `default`). */
  readonly sources: Readonly<Record<keyof S, string>>;
}

interface RawValue {
  readonly text: string | readonly string[] | boolean;
  readonly origin: string;
}

/**
 * Builds the one configuration object of a process: flags, then environment, then defaults.
 * Every problem is collected and reported together in one UsageError whose lines each name the
 * flag or variable, the value (unless secret) and the rule that failed.
 */
export function parseOptions<S extends OptionTable>(table: S, input: ParseOptionsInput): ParsedOptions<S> {
  const envPrefix = input.envPrefix ?? 'KNMESH_';
  const byFlag = new Map<string, [string, Option<unknown>]>();
  const byShort = new Map<string, string>();
  for (const [key, opt] of Object.entries(table)) {
    byFlag.set(opt.flag, [key, opt]);
    if (opt.short !== undefined) byShort.set(opt.short, opt.flag);
  }

  const problems: string[] = [];
  const fromFlags = new Map<string, RawValue>();
  const positionals: string[] = [];
  let help = false;

  const args = [...input.argv];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    let name: string;
    let inline: string | undefined;
    if (!arg.startsWith('--') || arg === '-') {
      // `-f x` and `-f=x` stand for the long flag the table declares as `short: 'f'`.
      const long = /^-[A-Za-z](=|$)/.test(arg) ? byShort.get(arg[1]!) : undefined;
      if (long === undefined) {
        if (arg.startsWith('-') && arg !== '-') problems.push(`unknown option ${arg}`);
        else positionals.push(arg);
        continue;
      }
      name = long;
      inline = arg.length > 2 ? arg.slice(3) : undefined;
    } else {
      const eq = arg.indexOf('=');
      name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq === -1 ? undefined : arg.slice(eq + 1);
    }
    let entry = byFlag.get(name);
    if (entry === undefined && name.startsWith('no-') && byFlag.get(name.slice(3))?.[1].kind === 'boolean') {
      entry = byFlag.get(name.slice(3));
      name = name.slice(3);
      if (inline !== undefined) {
        problems.push(`option --no-${name} takes no value`);
        continue;
      }
      inline = 'false';
    }
    if (entry === undefined) {
      problems.push(`unknown option --${name}`);
      continue;
    }
    const [key, opt] = entry;
    let text: string;
    if (opt.kind === 'boolean') {
      text = inline ?? 'true';
    } else if (inline !== undefined) {
      text = inline;
    } else {
      const next = args[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        problems.push(`option --${name} needs a value${opt.placeholder ? ` (${opt.placeholder})` : ''}`);
        continue;
      }
      text = next;
      i++;
    }
    if (opt.kind === 'list') {
      const prev = fromFlags.get(key)?.text;
      const earlier: readonly string[] = Array.isArray(prev) ? (prev as readonly string[]) : [];
      fromFlags.set(key, { text: [...earlier, text], origin: `--${name}` });
    } else {
      // A later boolean flag overrides an earlier one (`--x --no-x`); other repeats are mistakes.
      if (fromFlags.has(key) && opt.kind !== 'boolean')
        problems.push(`option --${name} given more than once`);
      fromFlags.set(key, { text, origin: `--${name}` });
    }
  }
  if (positionals.length > 0 && input.allowPositionals !== true) {
    problems.push(`unexpected argument ${JSON.stringify(positionals[0])}`);
  }

  const config: Record<string, unknown> = {};
  const sources: Record<string, string> = {};
  for (const [key, opt] of Object.entries(table)) {
    const raw = fromFlags.get(key) ?? fromEnv(opt, input.env, envPrefix);
    if (raw === undefined) {
      if (opt.required === true && opt.default === undefined) {
        const env = envNameOf(opt, envPrefix);
        const alternatives = [env, ...(opt.fallbackEnv ?? [])].filter((e) => e !== undefined);
        problems.push(
          `option --${opt.flag} is required` +
            (alternatives.length > 0 ? ` (or set ${alternatives.join(' or ')})` : ''),
        );
      }
      config[key] = opt.default;
      sources[key] = 'default';
      continue;
    }
    const result = convert(opt, raw);
    if (!result.ok) {
      problems.push(result.problem);
      continue;
    }
    config[key] = result.value;
    sources[key] = raw.origin;
  }

  if (problems.length > 0 && !help) throw new UsageError(problems.join('\n'));
  return {
    config: config as ConfigOf<S>,
    positionals,
    help,
    sources: sources as Record<keyof S, string>,
  };
}

function fromEnv(
  opt: Option<unknown>,
  env: Readonly<Record<string, string | undefined>>,
  envPrefix: string,
): RawValue | undefined {
  const names = [envNameOf(opt, envPrefix), ...(opt.fallbackEnv ?? [])];
  for (const name of names) {
    if (name === undefined) continue;
    const value = env[name];
    if (value === undefined || value === '') continue;
    if (opt.kind === 'list') {
      return {
        text: value
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== ''),
        origin: `env:${name}`,
      };
    }
    return { text: value, origin: `env:${name}` };
  }
  return undefined;
}

function describe(opt: Option<unknown>, raw: RawValue): string {
  const where = raw.origin.startsWith('env:') ? `env ${raw.origin.slice(4)}` : raw.origin;
  const shown = opt.secret === true ? '(secret value not shown)' : JSON.stringify(raw.text);
  return `invalid value for ${where} ${shown}`;
}

type Converted =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problem: string };

function convert(opt: Option<unknown>, raw: RawValue): Converted {
  const bad = (rule: string): Converted => ({ ok: false, problem: `${describe(opt, raw)}: ${rule}` });
  let value: unknown;
  switch (opt.kind) {
    case 'list':
      value = Array.isArray(raw.text) ? raw.text : [raw.text];
      break;
    case 'boolean': {
      const t = String(raw.text).toLowerCase();
      if (['true', '1', 'yes'].includes(t)) value = true;
      else if (['false', '0', 'no'].includes(t)) value = false;
      else return bad('must be true or false');
      break;
    }
    case 'integer':
    case 'number': {
      const t = String(raw.text).trim();
      const n = opt.kind === 'integer' ? (/^-?\d+$/.test(t) ? Number(t) : NaN) : Number(t);
      if (!Number.isFinite(n) || t === '')
        return bad(`must be ${opt.kind === 'integer' ? 'an integer' : 'a number'}`);
      if (opt.min !== undefined && n < opt.min) return bad(`must be at least ${opt.min}`);
      if (opt.max !== undefined && n > opt.max) return bad(`must be at most ${opt.max}`);
      value = n;
      break;
    }
    case 'enum': {
      const t = String(raw.text);
      if (!(opt.values ?? []).includes(t)) return bad(`must be one of ${(opt.values ?? []).join(', ')}`);
      value = t;
      break;
    }
    case 'url': {
      const t = String(raw.text);
      let parsed: URL;
      try {
        parsed = new URL(t);
      } catch {
        return bad('must be an absolute URL');
      }
      const protocols = opt.protocols;
      if (protocols !== undefined && !protocols.includes(parsed.protocol.replace(/:$/, ''))) {
        return bad(`scheme must be one of ${protocols.join(', ')}`);
      }
      value = t;
      break;
    }
    case 'string':
      value = String(raw.text);
      break;
  }
  if (opt.check !== undefined && value !== undefined) {
    const rule = opt.check(value as never);
    if (rule !== undefined) return bad(rule);
  }
  return { ok: true, value };
}
