// The matcher: identification (which tool is this?) plus the policy's verdict for this device and user.
// Built once per policy; per observation it does map lookups and, for unseen files, cached cheap I/O.
import type { CompiledPolicy, CompiledRule } from './compiled-policy.ts';
import { compileEndpointGlob, normalEndpoint } from './endpoint-glob.ts';
import { EndpointResolver, type ProcessContext, type ResolvedEndpoint } from './endpoint-resolver.ts';
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
  /**
   * Set when a `when: { endpoints }` rule was weighed: the endpoints it allows and where this process was found
   * to send (or why that is unknown). On a block it explains the skipped rule; on an allow, the rule that held.
   */
  endpointCheck?: EndpointCheck;
}

export interface EndpointCheck {
  ruleId: string;
  allowed: readonly string[];
  /** Absent when there was no live process to look at (a listing, an exec not yet done): the rule is assumed to hold. */
  found?: ResolvedEndpoint;
  /** The first endpoint found that no glob allows. */
  offending?: { url: string; where: string };
}

/** Who a tool runs as, to find its home when HOME is not in its environment. */
export type HomeLookup = (uid: number) => string | undefined;

interface ToolVerdict {
  rules: readonly CompiledRule[];
}

export class Matcher {
  readonly identifier: ToolIdentifier;
  private readonly tools: Map<string, CompiledPolicy['tools'][number]>;
  private readonly rulesByTool = new Map<string, CompiledRule[]>();
  private readonly groups: ReadonlySet<string>;
  private readonly verdicts = new Map<string, ToolVerdict>();
  private readonly views: ProcessViews;
  private readonly globs = new Map<string, (normal: string) => boolean>();

  constructor(
    readonly policy: CompiledPolicy,
    private readonly device: DeviceContext = { groups: [] },
    probe: FileProbe = new NodeFileProbe(),
    private readonly now: () => number = Date.now,
    private readonly homeOf: HomeLookup = () => undefined,
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
    if (!id) return null;
    const procDir = obs.procDir;
    const context: ProcessContext | undefined = procDir ? { procDir, argv: obs.argv, homeOfUser: () => this.homeOf(obs.uid) } : undefined;
    return this.decide(id, obs.user, context);
  }

  matchFile(path: string, user?: string): Decision | null {
    const id = this.identifier.identifyFile(path, 'native');
    return id ? this.decide(id, user) : null;
  }

  /**
   * The policy's verdict for an identified tool. Tools no rule names are allowed. `process` is the live process,
   * for rules with a condition on where it sends; without one such a rule is taken to hold (listing the policy,
   * an exec the kernel holds before the new program's environment exists), and the watcher judges the process.
   */
  decide(identification: Identification, user?: string, process?: ProcessContext): Decision | null {
    // A rule naming the library a tool runs inside (allow the Agent SDK on build servers) comes first; when one
    // rule covers both (`tools: ["*"]`), what runs is reported as the tool it is (Claude Code, not the SDK).
    const libraryRule = identification.via === undefined ? null : this.ruleFor(identification.via, user);
    const via = libraryRule && libraryRule !== this.ruleFor(identification.toolId, user) ? identification.via : undefined;
    const tool = this.tools.get(via ?? identification.toolId);
    if (!tool) return null;
    const now = this.now();
    const exception = this.activeException(tool.id, user, now);
    const { rule, endpointCheck } = this.applicableRule(tool, user, process);
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
      ...(endpointCheck ? { endpointCheck } : {}),
    };
  }

  /** First targeting rule whose condition holds; the first condition weighed is reported for explanations. */
  private applicableRule(tool: CompiledPolicy['tools'][number], user: string | undefined, process: ProcessContext | undefined): { rule: CompiledRule | null; endpointCheck?: EndpointCheck } {
    let resolved: ResolvedEndpoint | undefined;
    let endpointCheck: EndpointCheck | undefined;
    for (const rule of this.targetingRules(tool.id, user)) {
      if (!rule.when) return { rule, endpointCheck };
      if (!process) return { rule, endpointCheck: endpointCheck ?? { ruleId: rule.id, allowed: rule.when.endpoints } };
      resolved ??= tool.endpoint
        ? new EndpointResolver(tool.endpoint, process, tool.name).resolve()
        : { known: false, reason: `the catalog does not say where ${tool.name} sends` };
      const offending = resolved.known ? resolved.endpoints.find((e) => !this.endpointAllowed(rule.when?.endpoints ?? [], e.url)) : undefined;
      const check: EndpointCheck = { ruleId: rule.id, allowed: rule.when.endpoints, found: resolved, ...(offending ? { offending } : {}) };
      if (resolved.known && !offending) return { rule, endpointCheck: check };
      endpointCheck ??= check;
    }
    return { rule: null, endpointCheck };
  }

  private endpointAllowed(globs: readonly string[], url: string): boolean {
    const normal = normalEndpoint(url);
    if (normal === null) return false;
    return globs.some((g) => {
      let test = this.globs.get(g);
      if (!test) this.globs.set(g, (test = compileEndpointGlob(g)));
      return test(normal);
    });
  }

  /** The first targeting rule, conditions aside (which tool a library rule is about). */
  private ruleFor(toolId: string, user: string | undefined): CompiledRule | null {
    return this.targetingRules(toolId, user)[0] ?? null;
  }

  // Targeting does not depend on time (exceptions do, and are checked live) nor on the process, so it is cached.
  private targetingRules(toolId: string, user: string | undefined): readonly CompiledRule[] {
    const key = user === undefined ? toolId : `${toolId}\u0000${user}`;
    const cached = this.verdicts.get(key);
    if (cached) return cached.rules;
    const rules = (this.rulesByTool.get(toolId) ?? []).filter((r) => this.targets(r, user));
    this.verdicts.set(key, { rules });
    return rules;
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
