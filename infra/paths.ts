/** The repository root (this file is infra/paths.ts): handler entries and shims are relative to it. */
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));
