import { envNameOf, type OptionTable } from './option.ts';

/** Renders the option table of a command for `--help`: flag, env variable, default, description. */
export function renderOptionsHelp(table: OptionTable, envPrefix = 'KNMESH_'): string {
  const rows = Object.values(table).map((opt) => {
    const value =
      opt.kind === 'boolean' ? '' : ` <${opt.placeholder ?? (opt.values ? opt.values.join('|') : opt.kind)}>`;
    const left = `  ${opt.short === undefined ? '' : `-${opt.short}, `}--${opt.flag}${value}`;
    const env = envNameOf(opt, envPrefix);
    const envs = [env, ...(opt.fallbackEnv ?? [])].filter((e) => e !== undefined);
    const extras: string[] = [];
    if (envs.length > 0) extras.push(`env ${envs.join(', ')}`);
    if (opt.required === true) extras.push('required');
    const def = opt.default;
    if (def !== undefined && opt.secret !== true && !(Array.isArray(def) && def.length === 0)) {
      extras.push(`default ${Array.isArray(def) ? def.join(',') : JSON.stringify(def)}`);
    }
    return { left, right: opt.description + (extras.length > 0 ? ` [${extras.join('; ')}]` : '') };
  });
  const width = Math.min(40, Math.max(...rows.map((r) => r.left.length)) + 2);
  return rows
    .map((r) =>
      r.left.length + 2 > width
        ? `${r.left}\n${' '.repeat(width)}${r.right}`
        : r.left.padEnd(width) + r.right,
    )
    .join('\n');
}
