// Windows: is %ProgramData%\Cordon (and agent.yaml in it) writable only by administrators? POSIX owner and mode bits
// do not exist there; the file's DACL decides. PowerShell's Get-Acl is asked for the owner and every access rule as
// SIDs (icacls prints account names in the machine's language, so they cannot be compared reliably); the script is a
// constant and the path travels in an environment variable, never in a command string.
import { execFileSync } from 'node:child_process';
import { win32 } from 'node:path';

/** One access rule as Get-Acl reports it: who, allow or deny, the FileSystemRights mask, inherit-only or not. */
export interface AccessRule {
  sid: string;
  type: 'Allow' | 'Deny';
  rights: number;
  /** An inherit-only rule applies to children created later, not to this object. */
  inheritOnly: boolean;
}

export interface AclListing {
  owner: string;
  rules: AccessRule[];
}

/** SYSTEM, BUILTIN\Administrators and TrustedInstaller: the principals that may change what a service obeys. */
export const TRUSTED_SIDS = new Set(['S-1-5-18', 'S-1-5-32-544', 'S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464']);

// FileSystemRights bits (winnt.h). For a directory, 0x2/0x4/0x40 are add-file, add-subdirectory and delete-child.
const WRITE_RIGHTS = 0x2 | 0x4 | 0x10 | 0x40 | 0x100 | 0x10000 | 0x40000 | 0x80000 | 0x10000000 | 0x40000000;
const READ_RIGHTS = 0x1 | 0x10000000 | 0x80000000;

export const GET_ACL_SCRIPT = [
  "$ErrorActionPreference = 'Stop'",
  '$acl = Get-Acl -LiteralPath $env:CORDON_ACL_PATH',
  '$sid = [System.Security.Principal.SecurityIdentifier]',
  '$owner = (New-Object System.Security.Principal.NTAccount($acl.Owner)).Translate($sid).Value',
  '$rules = @($acl.Access | ForEach-Object { [pscustomobject]@{ sid = $_.IdentityReference.Translate($sid).Value; type = "$($_.AccessControlType)"; rights = [int64][int]$_.FileSystemRights; inheritOnly = [bool]($_.PropagationFlags -band 2) } })',
  'ConvertTo-Json -Compress -Depth 3 -InputObject ([pscustomobject]@{ owner = $owner; rules = $rules })',
].join('; ');

/** Validates the script's JSON; anything else is an error naming what was wrong. */
export function parseAclListing(text: string): AclListing {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error(`Get-Acl printed something that is not JSON: ${text.slice(0, 200)}`);
  }
  const d = doc as { owner?: unknown; rules?: unknown };
  if (typeof d.owner !== 'string' || !/^S-1-[0-9-]+$/.test(d.owner)) throw new Error('Get-Acl listing: owner is not a SID');
  // ConvertTo-Json writes a one-element array as the element itself on older PowerShell versions.
  const rules = Array.isArray(d.rules) ? d.rules : d.rules === null || d.rules === undefined ? [] : [d.rules];
  return {
    owner: d.owner,
    rules: rules.map((r: unknown, i) => {
      const rule = r as { sid?: unknown; type?: unknown; rights?: unknown; inheritOnly?: unknown };
      if (typeof rule.sid !== 'string' || !/^S-1-[0-9-]+$/.test(rule.sid)) throw new Error(`Get-Acl listing: rules[${i}].sid is not a SID`);
      if (rule.type !== 'Allow' && rule.type !== 'Deny') throw new Error(`Get-Acl listing: rules[${i}].type must be Allow or Deny`);
      if (typeof rule.rights !== 'number' || !Number.isInteger(rule.rights)) throw new Error(`Get-Acl listing: rules[${i}].rights is not an integer`);
      return { sid: rule.sid, type: rule.type, rights: rule.rights >>> 0, inheritOnly: rule.inheritOnly === true };
    }),
  };
}

/**
 * What is wrong with this DACL for a file only administrators may change (`write`) or read (`read`, secrets);
 * undefined when nothing is. The owner counts too: an owner can always rewrite the DACL.
 */
export function aclProblem(path: string, acl: AclListing, forbid: 'write' | 'read'): string | undefined {
  if (!TRUSTED_SIDS.has(acl.owner)) return `${path} is owned by ${acl.owner}, not by SYSTEM or Administrators; an owner can change its permissions`;
  const mask = forbid === 'write' ? WRITE_RIGHTS : READ_RIGHTS | WRITE_RIGHTS;
  const loose = acl.rules.filter((r) => r.type === 'Allow' && !r.inheritOnly && !TRUSTED_SIDS.has(r.sid) && (r.rights & mask) !== 0);
  if (loose.length === 0) return undefined;
  const who = loose.map((r) => `${r.sid} (rights 0x${r.rights.toString(16)})`).join(', ');
  return `${path} is ${forbid === 'write' ? 'writable' : 'readable'} by principals other than SYSTEM and Administrators: ${who}; run the installer again or reset it with icacls`;
}

const POWERSHELL = win32.join(process.env.SystemRoot ?? 'C:\\Windows', 'System32', 'WindowsPowerShell', 'v1.0', 'powershell.exe');

export function readAcl(path: string): AclListing {
  const out = execFileSync(POWERSHELL, ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', GET_ACL_SCRIPT], {
    encoding: 'utf8',
    env: { ...process.env, CORDON_ACL_PATH: path },
    timeout: 30_000,
    maxBuffer: 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
    windowsHide: true,
  });
  return parseAclListing(out.trim());
}

/**
 * The managed config (and a secret file) and the folder holding it may be changed only by administrators; a folder
 * users can write lets them replace the file. Refuses (returns the problem) when the check itself cannot run.
 */
export function windowsAdminOnlyProblem(file: string, forbid: 'write' | 'read', read: (path: string) => AclListing = readAcl): string | undefined {
  for (const [path, what] of [[win32.dirname(file), 'write'], [file, forbid]] as const) {
    let acl: AclListing;
    try {
      acl = read(path);
    } catch (err) {
      return `cannot check who may change ${path} (Get-Acl: ${(err as Error).message.split('\n')[0]}); refusing to trust it`;
    }
    const problem = aclProblem(path, acl, what);
    if (problem) return problem;
  }
  return undefined;
}
