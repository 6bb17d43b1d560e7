// `cordon check`: one look at the running processes against the policy, without stopping anything. For IT
// scripts (exit 3 when a blocked tool is running) and for a developer wondering what Cordon would do.
import { readFileSync } from 'node:fs';
import { createProcessSource } from '../agent/process/create-process-source.ts';
import { UserDirectory } from '../agent/process/user-directory.ts';
import { builtInCatalog, builtInPolicy, compilePolicy, Matcher, parsePolicy, type Decision } from '../policy/index.ts';
import { EXIT, parseFlags, UsageError, type Command } from './command.ts';

const USAGE = `cordon check [--policy FILE] [--json]
      matches every running process against the policy (the built-in one, or FILE) and lists the AI CLIs found.
      Stops nothing. Exit 3 when a tool the policy blocks is running, 0 otherwise.
      Run as root to see every user's processes in full.`;

interface Finding {
  pid: number;
  ppid: number;
  user?: string;
  toolId: string;
  toolName: string;
  action: Decision['action'];
  mode: Decision['mode'];
  exe: string | null;
  argv: string[];
  evidence: string;
}

export const checkCommand: Command = {
  name: 'check',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseFlags(args, { policy: { type: 'string' }, json: { type: 'boolean' } });
    if (positionals.length) throw new UsageError(`unexpected "${positionals[0]}"`);
    const catalog = builtInCatalog();
    const policy = values.policy ? compilePolicy(parsePolicy(readFileSync(values.policy, 'utf8'), values.policy, catalog), catalog) : builtInPolicy();
    const matcher = new Matcher(policy);
    const users = new UserDirectory();
    const processes = await createProcessSource().poll();
    const findings: Finding[] = [];
    for (const p of processes) {
      if (p.pid === process.pid) continue;
      const user = users.nameOf(p.uid);
      const d = matcher.matchProcess({ ...p, user });
      if (!d) continue;
      findings.push({
        pid: p.pid,
        ppid: p.ppid,
        user,
        toolId: d.toolId,
        toolName: d.toolName,
        action: d.action,
        mode: d.mode,
        exe: p.exe,
        argv: [...p.argv],
        evidence: `${d.identification.evidence}: ${d.identification.detail}`,
      });
    }
    const blocked = findings.filter((f) => f.action === 'block');
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ policy: { id: policy.policyId, name: policy.name, mode: policy.mode }, processesChecked: processes.length, findings }, null, 2)}\n`);
    } else {
      const lines = [`Checked ${processes.length} processes against policy "${policy.name}" (${values.policy ?? 'built-in'}, ${policy.mode} mode).`];
      if (!findings.length) lines.push('No AI coding CLI is running.');
      else lines.push(`Found ${findings.length} AI CLI process(es):`);
      for (const f of findings) {
        lines.push(`  pid ${String(f.pid).padEnd(7)} ${(f.user ?? '?').padEnd(10)} ${f.toolName.padEnd(18)} ${f.action}${f.mode === 'monitor' && f.action === 'block' ? ' (monitor: would block)' : ''}`);
        lines.push(`      ${f.exe ?? '(executable not readable)'}  ${f.argv.slice(0, 6).join(' ')}`.slice(0, 200));
        lines.push(`      identified by ${f.evidence}`);
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    return blocked.length ? EXIT.found : EXIT.ok;
  },
};
