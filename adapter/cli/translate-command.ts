import { UsageError } from '../../runtime/errors/usage-error.ts';
import type { Command } from './cli-io.ts';

// Placeholder until `knmesh translate` lands; the command is registered so the CLI surface is fixed.
export const command: Command = {
  run(): Promise<number> {
    return Promise.reject(new UsageError('knmesh translate is not implemented yet'));
  },
};
