import { envNameOf, type OptionTable } from './option.ts';

export interface EnvVarEntry {
  readonly name: string;
  readonly value: string;
}

/**
 * The environment variables that configure a process to the given values, in table order.
 * Used by the translator to configure bridge Deployments through the same table the bridge
 * parses, so the two cannot drift. Values left undefined are omitted (the process default applies).
 */
export function optionsToEnv<S extends OptionTable>(
  table: S,
  values: { readonly [K in keyof S]?: unknown },
  envPrefix = 'KNMESH_',
): EnvVarEntry[] {
  const out: EnvVarEntry[] = [];
  for (const [key, opt] of Object.entries(table)) {
    const value = values[key];
    if (value === undefined) continue;
    const name = envNameOf(opt, envPrefix);
    if (name === undefined) throw new Error(`option --${opt.flag} has no environment form`);
    const text = Array.isArray(value)
      ? value.map(String).join(',')
      : typeof value === 'string'
        ? value
        : JSON.stringify(value);
    out.push({ name, value: text });
  }
  return out;
}
