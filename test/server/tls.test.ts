// With --tls-cert/--tls-key the server speaks HTTPS itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from '../support/server-instance.ts';
import { requireSystemPart } from '../support/system-part.ts';

// openssl makes the test certificate.
const skip = requireSystemPart({ binary: 'openssl', debianPackage: 'openssl' });

test('serves HTTPS with the given certificate', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cordon-tls-'));
  const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  const server = await startTestServer({ tlsCert: cert, tlsKey: key });
  try {
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const body = await new Promise<string>((resolve, reject) => {
      get(`${server.url}/healthz`, { ca: readFileSync(cert) }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(text));
      }).on('error', reject);
    });
    assert.equal(JSON.parse(body).status, 'ok');
    // A client that does not trust the certificate is refused by TLS, not answered in clear text.
    await assert.rejects(fetch(`${server.url}/healthz`));
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a certificate without its key is a usage error, before anything starts', async () => {
  await assert.rejects(startTestServer({ tlsCert: '/nonexistent.pem' }), /--tls-cert and --tls-key go together/);
});
