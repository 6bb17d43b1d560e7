// The restricted tools as an employee should see them: every catalog tool the policy does not simply allow on
// this device (for this user), with the policy's reason, alternatives and any exception in force.
import type { LocalizedText, Matcher } from '../policy/index.ts';
import { allowedEndpointsText } from '../policy/endpoint-glob.ts';
import { fillReason } from '../policy/localized-text.ts';
import type { RestrictedTool } from './status-types.ts';

export function restrictedTools(matcher: Matcher, user: string | undefined): RestrictedTool[] {
  const out: RestrictedTool[] = [];
  for (const tool of matcher.policy.tools) {
    const d = matcher.decide({ toolId: tool.id, evidence: 'npm-package', detail: 'policy listing' }, user);
    // A tool allowed only through some endpoints is restricted: listed, with where it may send.
    const allowedThrough = d?.action === 'allow' && d.endpointCheck && d.endpointCheck.ruleId === d.ruleId ? allowedEndpointsText(d.endpointCheck.allowed).split(', ') : undefined;
    if (!d || (d.action === 'allow' && !d.exceptionId && !allowedThrough)) continue;
    const exception = d.exceptionId ? matcher.policy.exceptions.find((e) => e.id === d.exceptionId) : undefined;
    const reason: LocalizedText = fillReason(d.reason, tool.name, tool);
    out.push({
      toolId: tool.id,
      name: tool.name,
      vendor: tool.vendor,
      ...(tool.vendorTranslations ? { vendorTranslations: tool.vendorTranslations } : {}),
      action: exception ? (matcher.policy.rules.find((r) => r.id === d.ruleId)?.action ?? d.action) : d.action,
      installed: d.installed,
      reason,
      alternatives: [...d.alternatives],
      moreInfoUrl: d.moreInfoUrl,
      exceptionUrl: d.exceptionUrl,
      ...(exception ? { exception: { id: exception.id, expires: exception.expires } } : {}),
      ...(allowedThrough ? { allowedThrough } : {}),
    });
  }
  // Not localeCompare: its first call loads ICU's collation data, ~100 ms of CPU and several MB for the agent,
  // to order a few tool names that case-folded code-unit order sorts the same.
  const key = (t: RestrictedTool) => t.name.toLowerCase();
  return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
