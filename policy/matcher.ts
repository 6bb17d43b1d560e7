// The matcher: identification (which tool is this?) plus the policy's verdict for this device and user.
// Built once per policy; per observation it does map lookups and, for unseen files, cached cheap I/O.
import type { CompiledPolicy, CompiledRule } from './compiled-policy.ts';
import { NodeFileProbe, type FileProbe } from './file-probe.ts';
import type { Action, Alternative, InstalledAction, LocalizedText, Mode } from './policy-schema.ts';
import type { Identification, ProcessObservation } from './process-observation.ts';
import { ProcessViews } from './process-view.ts';
import { ToolIdentifier } from './tool-identifier.ts';

export interface DeviceContext {
  deviceId?: string;
  groups: readonly string[];
}

export interface Decision {
  toolId: string;
  toolName: string;
  vendor: string;
  /** The catalog's translations of `vendor`, by locale (see vendorFor). */
  vendorTranslations?: Readonly<Record<string, string>>;
  /** What the policy asks for; in monitor mode the agent records `block` as "would block". */
  action: Action;
  mode: Mode;
  installed: InstalledAction;
  ruleId: string | null;
  /** Set when an approved, unexpired exception is what allows the tool. */
  exceptionId?: string;
  reason: LocalizedText;
  moreInfoUrl?: string;
  exceptionUrl?: string;
  alternatives: readonly Alternative[];
  identification: Identification;
}

interface ToolVerdict {
  rule: CompiledRule | null;
}

export class Matcher {
  readonly identifier: ToolIdentifier;
  private readonly tools: Map<string, CompiledPolicy['tools'][number]>;
  private readonly rulesByTool = new Map<string, CompiledRule[]>();
  private readonly groups: ReadonlySet<string>;
  private readonly verdicts = new Map<string, ToolVerdict>();
  private readonly views: ProcessViews;

  constructor(
    readonly policy: CompiledPolicy,
    private readonly device: DeviceContext = { groups: [] },
    probe: FileProbe = new NodeFileProbe(),
    private readonly now: () => number = Date.now,
  ) {
    this.identifier = new ToolIdentifier(policy.tools, probe);
    this.views = new ProcessViews(probe);
    this.tools = new Map(policy.tools.map((t) => [t.id, t]));
    this.groups = new Set(device.groups);
    for (const rule of policy.rules) {
      for (const id of rule.tools) {
        const list = this.rulesByTool.get(id) ?? [];
        list.push(rule);
        this.rulesByTool.set(id, list);
      }
    }
  }

  matchProcess(obs: ProcessObservation): Decision | null {
    const id = this.identifier.identifyProcess(obs, this.views.of(obs.procDir));
    return id ? this.decide(id, obs.user) : null;
  }

  matchFile(path: string, user?: string): Decision | null {
    const id = this.identifier.identifyFile(path, 'native');
    return id ? this.decide(id, user) : null;
  }

  /** The policy's verdict for an identified tool. Tools no rule names are allowed. */
  decide(identification: Identification, user?: string): Decision | null {
    // A rule naming the library a tool runs inside (allow the Agent SDK on build servers) comes first; when one
    // rule covers both (`tools: ["*"]`), what runs is reported as the tool it is (Claude Code, not the SDK).
    const libraryRule = identification.via === undefined ? null : this.ruleFor(identification.via, user);
    const via = libraryRule && libraryRule !== this.ruleFor(identification.toolId, user) ? identification.via : undefined;
    const tool = this.tools.get(via ?? identification.toolId);
    if (!tool) return null;
    const now = this.now();
    const exception = this.activeException(tool.id, user, now);
    const rule = this.ruleFor(tool.id, user);
    const base = {
      toolId: tool.id,
      toolName: tool.name,
      vendor: tool.vendor,
      vendorTranslations: tool.vendorTranslations,
      mode: this.policy.mode,
      identification,
      exceptionUrl: this.policy.exceptionUrl,
    };
    if (!rule) return { ...base, action: 'allow', installed: 'report', ruleId: null, reason: { en: 'No rule restricts this tool.' }, alternatives: [] };
    return {
      ...base,
      action: exception ? 'allow' : rule.action,
      installed: exception ? 'report' : rule.installed,
      ruleId: rule.id,
      exceptionId: exception?.id,
      reason: rule.reason,
      moreInfoUrl: rule.moreInfoUrl,
      alternatives: rule.alternatives,
    };
  }

  // Rules do not depend on time (exceptions do, and are checked live), so the first match is cached.
  private ruleFor(toolId: string, user: string | undefined): CompiledRule | null {
    const key = user === undefined ? toolId : `${toolId}\u0000${user}`;
    const cached = this.verdicts.get(key);
    if (cached) return cached.rule;
    const rule = (this.rulesByTool.get(toolId) ?? []).find((r) => this.targets(r, user)) ?? null;
    this.verdicts.set(key, { rule });
    return rule;
  }

  private targets(rule: CompiledRule, user: string | undefined): boolean {
    const t = rule.appliesTo;
    if (t.groups.length && !t.groups.some((g) => this.groups.has(g))) return false;
    if (t.excludeGroups.some((g) => this.groups.has(g))) return false;
    if (t.users.length && (user === undefined || !t.users.includes(user))) return false;
    if (user !== undefined && t.excludeUsers.includes(user)) return false;
    return true;
  }

  private activeException(toolId: string, user: string | undefined, now: number) {
    for (const ex of this.policy.exceptions) {
      if (ex.tool !== toolId) continue;
      if (Date.parse(ex.expires) <= now) continue;
      if (ex.device !== undefined && ex.device !== this.device.deviceId) continue;
      if (ex.user !== undefined && ex.user !== user) continue;
      return ex;
    }
    return undefined;
  }

  /** The next moment a verdict can change by itself (an exception expiring), for status and scheduling. */
  nextExpiry(now = this.now()): number | undefined {
    const times = this.policy.exceptions.map((e) => Date.parse(e.expires)).filter((t) => t > now);
    return times.length ? Math.min(...times) : undefined;
  }
}
