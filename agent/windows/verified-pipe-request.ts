// Windows: a status request to the machine agent's named pipe, over a connection whose server end is proven to be
// the CordonAgent service. libuv creates the pipe's first instance with FILE_FLAG_FIRST_PIPE_INSTANCE (a squatter
// that got there first makes the agent fail with EADDRINUSE, see status-server.ts), but a pipe every user may write
// to also lets every user add server instances of it; a client cannot tell them apart by name. Node has no
// GetNamedPipeServerProcessId, so the exchange runs in PowerShell: connect, ask the kernel which process serves this
// very handle, check it is the CordonAgent service's process or the agent that service's host started, and only
// then send the request and read the answer on the same handle. The script is a constant; pipe name and request travel in environment
// variables (the request base64-encoded), never in a command string.
import { execFile } from 'node:child_process';
import { win32 } from 'node:path';

export const AGENT_SERVICE_NAME = 'CordonAgent';

export const VERIFIED_PIPE_SCRIPT = [
  "$ErrorActionPreference = 'Stop'",
  "Add-Type -Namespace CordonPipe -Name Native -MemberDefinition '[DllImport(\"kernel32.dll\", SetLastError = true)] public static extern bool GetNamedPipeServerProcessId(System.IntPtr pipe, out uint serverProcessId);'",
  '$client = New-Object System.IO.Pipes.NamedPipeClientStream(\'.\', $env:CORDON_PIPE_NAME, [System.IO.Pipes.PipeDirection]::InOut)',
  '$client.Connect([int]$env:CORDON_PIPE_CONNECT_MS)',
  '$serverPid = [uint32]0',
  "if (-not [CordonPipe.Native]::GetNamedPipeServerProcessId($client.SafePipeHandle.DangerousGetHandle(), [ref]$serverPid)) { throw 'GetNamedPipeServerProcessId failed' }",
  '$service = Get-CimInstance -ClassName Win32_Service -Filter "Name=\'$env:CORDON_SERVICE_NAME\'"',
  '$servicePid = if ($null -eq $service) { [uint32]0 } else { [uint32]$service.ProcessId }',
  // The service host runs the agent as its child: the server is the service's process or a child it started (a
  // user cannot make a LocalSystem process their parent), created after it (so not a recycled parent id).
  '$server = Get-CimInstance -ClassName Win32_Process -Filter "ProcessId=$serverPid"',
  '$serviceProcess = if ($servicePid -ne 0) { Get-CimInstance -ClassName Win32_Process -Filter "ProcessId=$servicePid" } else { $null }',
  '$trusted = ($null -ne $server) -and ($null -ne $serviceProcess) -and (($serverPid -eq $servicePid) -or (([uint32]$server.ParentProcessId -eq $servicePid) -and ($server.CreationDate -ge $serviceProcess.CreationDate)))',
  'if (-not $trusted) { [Console]::Out.Write("untrusted-server $serverPid $servicePid"); exit 3 }',
  '$request = [Convert]::FromBase64String($env:CORDON_PIPE_REQUEST)',
  '$client.Write($request, 0, $request.Length)',
  '$client.Flush()',
  '$answer = New-Object System.IO.MemoryStream',
  '$client.CopyTo($answer)',
  '[Console]::Out.Write("answer " + [Convert]::ToBase64String($answer.ToArray()))',
].join('; ');

export type VerifierOutcome = { kind: 'answer'; bytes: Buffer } | { kind: 'untrusted-server'; serverPid: number; servicePid: number };

/** The script's one line: `answer <base64>` or `untrusted-server <pid> <service pid>` (0 when the service is not running). */
export function parseVerifierOutput(text: string): VerifierOutcome {
  const answer = /^answer ([A-Za-z0-9+/=]*)$/.exec(text.trim());
  if (answer) return { kind: 'answer', bytes: Buffer.from(answer[1]!, 'base64') };
  const untrusted = /^untrusted-server (\d+) (\d+)$/.exec(text.trim());
  if (untrusted) return { kind: 'untrusted-server', serverPid: Number(untrusted[1]), servicePid: Number(untrusted[2]) };
  throw new Error(`the pipe check printed something unexpected: ${text.slice(0, 200)}`);
}

/** An HTTP/1.1 request for a connection that closes after the answer. */
export function httpRequestBytes(method: string, path: string, body?: string): Buffer {
  const head = [`${method} ${path} HTTP/1.1`, 'Host: localhost', 'Accept: application/json', 'Connection: close'];
  if (body !== undefined) head.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`);
  return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`), Buffer.from(body ?? '')]);
}

/** Status and body of one HTTP/1.1 answer read to the end of the connection (Content-Length, chunked or close-delimited). */
export function parseHttpResponse(bytes: Buffer): { status: number; body: string } {
  const split = bytes.indexOf('\r\n\r\n');
  if (split < 0) throw new Error('the agent closed the pipe before a complete HTTP answer');
  const head = bytes.subarray(0, split).toString('latin1').split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})\b/.exec(head[0] ?? '');
  if (!status) throw new Error(`not an HTTP answer: ${(head[0] ?? '').slice(0, 100)}`);
  const header = (name: string) => head.slice(1).find((l) => l.toLowerCase().startsWith(`${name}:`))?.slice(name.length + 1).trim();
  let body = bytes.subarray(split + 4);
  if (header('transfer-encoding')?.toLowerCase() === 'chunked') {
    const parts: Buffer[] = [];
    let at = 0;
    for (;;) {
      const eol = body.indexOf('\r\n', at);
      if (eol < 0) throw new Error('truncated chunked answer');
      const size = parseInt(body.subarray(at, eol).toString('latin1'), 16);
      if (!Number.isInteger(size) || size < 0) throw new Error('malformed chunk size in the answer');
      if (size === 0) break;
      parts.push(body.subarray(eol + 2, eol + 2 + size));
      at = eol + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  } else if (header('content-length') !== undefined) {
    body = body.subarray(0, Number(header('content-length')));
  }
  return { status: Number(status[1]), body: body.toString('utf8') };
}

export class UntrustedPipeServer extends Error {}

const POWERSHELL = win32.join(process.env.SystemRoot ?? 'C:\\Windows', 'System32', 'WindowsPowerShell', 'v1.0', 'powershell.exe');

/** One request over a connection to `pipePath` (\\.\pipe\NAME) after the server end was shown to be the service. */
export function verifiedPipeRequest(pipePath: string, method: string, path: string, body: string | undefined, timeoutMs: number): Promise<{ status: number; body: string }> {
  const name = /^\\\\\.\\pipe\\(.+)$/.exec(pipePath)?.[1];
  if (!name) return Promise.reject(new Error(`${pipePath} is not a local named pipe path`));
  const env = {
    ...process.env,
    CORDON_PIPE_NAME: name,
    CORDON_PIPE_CONNECT_MS: String(Math.min(timeoutMs, 5000)),
    CORDON_SERVICE_NAME: AGENT_SERVICE_NAME,
    CORDON_PIPE_REQUEST: httpRequestBytes(method, path, body).toString('base64'),
  };
  return new Promise((resolve, reject) => {
    execFile(POWERSHELL, ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', VERIFIED_PIPE_SCRIPT], { env, timeout: timeoutMs, maxBuffer: 8 * 1024 * 1024, windowsHide: true }, (err, stdout) => {
      let outcome: VerifierOutcome;
      try {
        outcome = parseVerifierOutput(stdout);
      } catch (parseErr) {
        return reject(err ?? parseErr);
      }
      if (outcome.kind === 'untrusted-server')
        return reject(new UntrustedPipeServer(`process ${outcome.serverPid} serves ${pipePath}, but it is not the ${AGENT_SERVICE_NAME} service (${outcome.servicePid ? `process ${outcome.servicePid}` : 'not running'}) nor the agent it started: not talking to it (someone may be impersonating the agent)`));
      try {
        resolve(parseHttpResponse(outcome.bytes));
      } catch (httpErr) {
        reject(httpErr as Error);
      }
    });
  });
}
