// The agent identifies status-socket callers with a native addon built by `npm run build:native` (run before
// `npm test`); a focused test run may come before any build, so agents started by tests build it first.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PEER_CREDENTIALS_ADDON } from '../../agent/peer-identity/peer-credentials.ts';

const BUILD = fileURLToPath(new URL('../../scripts/build-native.ts', import.meta.url));

export function ensurePeerCredentialsAddon(): void {
  if (process.platform === 'win32' || existsSync(PEER_CREDENTIALS_ADDON)) return;
  execFileSync(process.execPath, ['--import', 'tsx', BUILD], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 5 * 60_000 });
}
