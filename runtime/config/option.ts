/**
 * Declarative command-line options. Every knmesh process builds exactly one typed configuration
 * object from a table of these (flags > environment > defaults), validated once at start-up.
 * The same table renders `--help` and tells the translator which env variables a process reads,
 * so the two can never drift apart.
 */

export type OptionKind = 'string' | 'integer' | 'number' | 'boolean' | 'enum' | 'url' | 'list';

export interface Option<T> {
  readonly kind: OptionKind;
  /** Long flag name without the leading dashes, kebab-case. */
  readonly flag: string;
  /** Optional one-letter alias (`f` for `-f`), for flags users type often (kubectl style). */
  readonly short?: string;
  readonly description: string;
  /**
   * Environment variable consulted when the flag is absent. `undefined` derives
   * `<prefix><FLAG_IN_UPPER_SNAKE>`; `null` means the option has no env form.
   */
  readonly env?: string | null;
  /** Further variables tried after `env`, e.g. Function Mesh's `brokerServiceURL`. */
  readonly fallbackEnv?: readonly string[];
  readonly default?: T;
  readonly required?: boolean;
  /** Secret values are never echoed in errors, help or logs. */
  readonly secret?: boolean;
  readonly placeholder?: string;
  readonly values?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  readonly protocols?: readonly string[];
  /** Extra rule; returns a message naming the rule when the value breaks it. */
  check?(value: NonNullable<T>): string | undefined;
  /** Phantom marker so that `ConfigOf` can infer `T`. */
  readonly __type?: T;
}

type Init<T> = Omit<Option<T>, 'kind' | 'values' | '__type'>;
type Present<T> = { default: T } | { required: true };

function make<T>(kind: OptionKind, init: object): Option<T> {
  return { kind, ...init } as Option<T>;
}

function string(init: Init<string> & Present<string>): Option<string>;
function string(init: Init<string>): Option<string | undefined>;
function string(init: Init<string>): Option<string | undefined> {
  return make('string', init);
}

function integer(init: Init<number> & Present<number>): Option<number>;
function integer(init: Init<number>): Option<number | undefined>;
function integer(init: Init<number>): Option<number | undefined> {
  return make('integer', init);
}

function number(init: Init<number> & Present<number>): Option<number>;
function number(init: Init<number>): Option<number | undefined>;
function number(init: Init<number>): Option<number | undefined> {
  return make('number', init);
}

function boolean(init: Init<boolean>): Option<boolean> {
  return make('boolean', { default: false, ...init });
}

function enumOf<const V extends string>(values: readonly V[], init: Init<V> & Present<V>): Option<V>;
function enumOf<const V extends string>(values: readonly V[], init: Init<V>): Option<V | undefined>;
function enumOf<const V extends string>(values: readonly V[], init: Init<V>): Option<V | undefined> {
  return make('enum', { ...init, values });
}

function url(init: Init<string> & Present<string>): Option<string>;
function url(init: Init<string>): Option<string | undefined>;
function url(init: Init<string>): Option<string | undefined> {
  return make('url', init);
}

/** Repeatable flag (`--input a --input b`); in the environment a comma-separated list. */
function list(init: Init<readonly string[]>): Option<readonly string[]> {
  return make('list', { default: [], ...init });
}

export const option = { string, integer, number, boolean, enumOf, url, list };

export type OptionTable = Readonly<Record<string, Option<unknown>>>;

/** The typed configuration object a table of options produces. */
export type ConfigOf<S extends OptionTable> = {
  readonly [K in keyof S]: S[K] extends Option<infer T> ? T : never;
};

/** `max-in-flight` → `MAX_IN_FLIGHT`. */
export function upperSnake(flag: string): string {
  return flag.replace(/-/g, '_').toUpperCase();
}

/** The primary environment variable of an option, or undefined when it has none. */
export function envNameOf(opt: Option<unknown>, envPrefix: string): string | undefined {
  if (opt.env === null) return undefined;
  return opt.env ?? `${envPrefix}${upperSnake(opt.flag)}`;
}
