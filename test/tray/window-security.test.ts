// The window's static defences: the private scheme serves only the renderer's own files, the CSP in the page
// matches the header, and only policy links open.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { appFilePath } from '../../main/app-protocol.ts';
import { CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY_META } from '../../main/content-security-policy.ts';
import { externalUrlProblem } from '../../main/ipc-handlers.ts';
import { autostartEntry } from '../../main/login-item.ts';
import { REPO_ROOT } from '../support/cli.ts';
import { sampleStatus } from './status-sample.ts';

test('cordon-app:// serves files of the renderer folder only', () => {
  const dir = '/opt/Cordon/resources/app/dist/renderer';
  assert.equal(appFilePath(dir, 'cordon-app://status/status.html'), `${dir}/status.html`);
  assert.equal(appFilePath(dir, 'cordon-app://status/status.js'), `${dir}/status.js`);
  assert.equal(appFilePath(dir, 'cordon-app://status/%2e%2e/%2e%2e/package.json'), undefined);
  assert.equal(appFilePath(dir, 'cordon-app://status/preload.cjs'), undefined, 'the preload is not web content');
  assert.equal(appFilePath(dir, 'cordon-app://other/status.html'), undefined);
});

test('CSP: no network, own scripts and styles only; the page meta tag repeats it', () => {
  assert.match(CONTENT_SECURITY_POLICY, /default-src 'none'/);
  assert.match(CONTENT_SECURITY_POLICY, /connect-src 'none'/);
  assert.match(CONTENT_SECURITY_POLICY, /script-src 'self'(;|$)/);
  assert.match(CONTENT_SECURITY_POLICY, /frame-ancestors 'none'/);
  const html = readFileSync(join(REPO_ROOT, 'renderer/status.html'), 'utf8');
  assert.ok(html.includes(`<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY_META}">`));
});

test('links: http(s) only, and only those the policy names', () => {
  const status = sampleStatus();
  assert.equal(externalUrlProblem('https://intranet.acme.example/ai', status), undefined);
  assert.equal(externalUrlProblem('https://ai.acme.example', status), undefined);
  assert.equal(externalUrlProblem('https://example.com/', status), 'url: not a link from the policy in force');
  assert.equal(externalUrlProblem('javascript:alert(1)', status), 'url: only http and https links open, not javascript:');
  assert.equal(externalUrlProblem('not a url', status), 'url: "not a url" is not a URL');
  assert.equal(externalUrlProblem(42, status), 'url: must be a string of at most 2048 characters');
  assert.equal(externalUrlProblem('https://ai.acme.example', undefined), 'url: not a link from the policy in force');
});

test('open at login on Linux: an XDG autostart entry that starts the tray hidden', () => {
  assert.match(autostartEntry('/opt/Cordon/cordon'), /^Exec="\/opt\/Cordon\/cordon" --hidden$/m);
  assert.match(autostartEntry('/opt/Cordon/cordon'), /^Type=Application$/m);
});
