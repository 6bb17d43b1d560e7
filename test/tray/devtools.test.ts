// Packaged builds turn DevTools off (main/ is type-checked here; the Electron binary is absent, so the wiring is
// checked in the source and the decision on its own).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { devToolsAllowed } from '../../main/devtools-policy.ts';
import { REPO_ROOT } from '../support/cli.ts';

test('packaged builds have no DevTools; a development run from source keeps them', () => {
  assert.equal(devToolsAllowed(true), false);
  assert.equal(devToolsAllowed(false), true);
  const window = readFileSync(join(REPO_ROOT, 'main/status-window.ts'), 'utf8');
  assert.match(window, /devTools: devToolsAllowed\(app\.isPackaged\)/, 'the status window asks app.isPackaged, not an environment variable');
  assert.match(window, /hardenWebContents\(w\.webContents, STATUS_PAGE_URL, devToolsAllowed\(app\.isPackaged\)\)/);
});
