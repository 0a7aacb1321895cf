import type { Command } from '../../adapter/cli/cli-io.ts';
import { UsageError } from '../errors/usage-error.ts';

// Placeholder until `knmesh bridge` lands; the command is registered so the CLI surface is fixed.
export const command: Command = {
  run(): Promise<number> {
    return Promise.reject(new UsageError('knmesh bridge is not implemented yet'));
  },
};
