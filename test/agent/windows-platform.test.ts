// The Windows-only parts that can run here: the ACL check on hand-written Get-Acl listings in the documented format
// (test/fixtures/windows-acl/README.md), and the verified pipe client's HTTP framing against a real Node HTTP
// server (the same serializer the agent's status API uses) over a Unix socket. PowerShell, Get-Acl, the named pipe,
// GetNamedPipeServerProcessId and the service manager are not run here (README: Not verified on this project's CI).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { aclProblem, parseAclListing, windowsAdminOnlyProblem, type AclListing } from '../../agent/windows/windows-acl.ts';
import { httpRequestBytes, parseHttpResponse, parseVerifierOutput, VERIFIED_PIPE_SCRIPT } from '../../agent/windows/verified-pipe-request.ts';

const listing = (name: string) => parseAclListing(readFileSync(join(import.meta.dirname, '../fixtures/windows-acl', name), 'utf8'));
const CONFIG = 'C:\\ProgramData\\Cordon\\agent.yaml';

describe('the ACL of %ProgramData%\\Cordon and agent.yaml (hand-written Get-Acl listings)', () => {
  test('as the installer leaves them: nothing to report', () => {
    assert.equal(aclProblem('C:\\ProgramData\\Cordon', listing('cordon-folder-installed.handwritten.json'), 'write'), undefined);
    assert.equal(aclProblem(CONFIG, listing('agent-yaml-installed.handwritten.json'), 'write'), undefined);
  });

  test("a folder with %ProgramData%'s default DACL is refused: Users may add files there", () => {
    const problem = aclProblem('C:\\ProgramData\\Cordon', listing('cordon-folder-default-programdata.handwritten.json'), 'write');
    assert.match(problem ?? '', /writable by principals other than SYSTEM and Administrators: S-1-5-32-545 \(rights 0x116\)/);
    assert.doesNotMatch(problem ?? '', /S-1-3-0/, "CREATOR OWNER's inherit-only rule does not apply to the folder itself");
  });

  test('a file a user owns is refused even when its DACL looks right; a single rule (no array) parses', () => {
    const acl = listing('agent-yaml-user-owned.handwritten.json');
    assert.equal(acl.rules.length, 1);
    assert.match(aclProblem(CONFIG, acl, 'write') ?? '', /owned by S-1-5-21-3623811015-3361044348-30300820-1013/);
  });

  test('a secret file readable by Users is refused; readable is fine for the config itself', () => {
    const acl = listing('agent-yaml-installed.handwritten.json');
    assert.equal(aclProblem(CONFIG, acl, 'write'), undefined);
    assert.match(aclProblem('C:\\ProgramData\\Cordon\\enrol-secret', acl, 'read') ?? '', /readable by .*S-1-5-32-545/);
  });

  test('deny rules and rules of SYSTEM, Administrators and TrustedInstaller never count against it', () => {
    const acl: AclListing = {
      owner: 'S-1-5-18',
      rules: [
        { sid: 'S-1-1-0', type: 'Deny', rights: 0x1f01ff, inheritOnly: false },
        { sid: 'S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464', type: 'Allow', rights: 0x1f01ff, inheritOnly: false },
      ],
    };
    assert.equal(aclProblem(CONFIG, acl, 'read'), undefined);
    // Negative [int] values (GENERIC_READ is 0x80000000) are read as the unsigned mask.
    assert.match(aclProblem(CONFIG, { owner: 'S-1-5-18', rules: [{ sid: 'S-1-5-11', type: 'Allow', rights: -2147483648 >>> 0, inheritOnly: false }] }, 'read') ?? '', /0x80000000/);
  });

  test('the folder is checked before the file, and a check that cannot run refuses the config', () => {
    const asked: string[] = [];
    const problem = windowsAdminOnlyProblem(CONFIG, 'write', (path) => {
      asked.push(path);
      return listing(path.endsWith('Cordon') ? 'cordon-folder-default-programdata.handwritten.json' : 'agent-yaml-installed.handwritten.json');
    });
    assert.deepEqual(asked, ['C:\\ProgramData\\Cordon']);
    assert.match(problem ?? '', /^C:\\ProgramData\\Cordon is writable/);
    assert.match(windowsAdminOnlyProblem(CONFIG, 'write', () => { throw new Error('powershell.exe not found'); }) ?? '', /cannot check who may change .*refusing to trust it/);
  });

  test('listings that are not what the script prints are errors, not an empty (permissive) ACL', () => {
    assert.throws(() => parseAclListing('Access denied'), /not JSON/);
    assert.throws(() => parseAclListing('{"owner":"BUILTIN\\\\Administrators","rules":[]}'), /owner is not a SID/);
    assert.throws(() => parseAclListing('{"owner":"S-1-5-18","rules":[{"sid":"S-1-5-18","type":"Audit","rights":1}]}'), /type must be Allow or Deny/);
  });
});

describe('the verified pipe client (framing; the PowerShell exchange itself runs on Windows only)', () => {
  test("the script's verdicts parse; anything else is an error", () => {
    assert.deepEqual(parseVerifierOutput('untrusted-server 4242 1100\n'), { kind: 'untrusted-server', serverPid: 4242, servicePid: 1100 });
    const answer = parseVerifierOutput(`answer ${Buffer.from('HTTP/1.1 200 OK\r\n\r\n').toString('base64')}`);
    assert.equal(answer.kind, 'answer');
    assert.throws(() => parseVerifierOutput('Exception calling "Connect"'), /unexpected/);
    // The script takes no data into its text: pipe name, service name and request come from the environment.
    assert.doesNotMatch(VERIFIED_PIPE_SCRIPT, /cordon-agent|CordonAgent/);
  });

  test('a request it builds is understood by a real Node HTTP server, and that server answers parse (length and chunked)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cordon-pipe-framing-'));
    const socket = join(dir, 's');
    const seen: { method?: string; url?: string; body: string }[] = [];
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, body });
        res.setHeader('content-type', 'application/json');
        if (req.url === '/chunked') {
          res.write('{"part":');
          res.end('"ü two"}');
        } else res.end(JSON.stringify({ ok: true, echo: JSON.parse(body || 'null') }));
      });
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    const exchange = (bytes: Buffer) =>
      new Promise<Buffer>((resolve, reject) => {
        const parts: Buffer[] = [];
        const c = connect(socket, () => c.write(bytes));
        c.on('data', (d: Buffer) => parts.push(d));
        c.on('end', () => resolve(Buffer.concat(parts)));
        c.on('error', reject);
      });
    try {
      const sent = await exchange(httpRequestBytes('POST', '/v1/exception-requests', JSON.stringify({ tool: 'claude-code', reason: 'ünïcode' })));
      assert.deepEqual(parseHttpResponse(sent), { status: 200, body: JSON.stringify({ ok: true, echo: { tool: 'claude-code', reason: 'ünïcode' } }) });
      assert.deepEqual(seen[0], { method: 'POST', url: '/v1/exception-requests', body: JSON.stringify({ tool: 'claude-code', reason: 'ünïcode' }) });
      assert.deepEqual(parseHttpResponse(await exchange(httpRequestBytes('GET', '/chunked'))), { status: 200, body: '{"part":"ü two"}' });
      assert.throws(() => parseHttpResponse(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5')), /before a complete HTTP answer/);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
