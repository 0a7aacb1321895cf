import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * `../shared/reference` next to the repository (CI and the team's worktrees have it; a user's
 * clone does not). Tests that read it skip with a visible reason when it is absent.
 */
export const SHARED_REFERENCE = fileURLToPath(new URL('../../../shared/reference/', import.meta.url));
export const HAS_SHARED_REFERENCE = existsSync(SHARED_REFERENCE);
export const SKIP_REASON = `../shared/reference not found at ${SHARED_REFERENCE}: skipped (present in CI, not in a plain clone)`;
