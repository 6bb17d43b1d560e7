// Judges one file the way the agent judges a copy of it taken out of its package: content evidence only
// (no package.json above it, no install path), so the table shows what survives copying and renaming.
import { statSync } from 'node:fs';
import type { CompiledTool } from '../../policy/compiled-policy.ts';
import { NodeFileProbe, type FileProbe } from '../../policy/file-probe.ts';
import { ToolIdentifier } from '../../policy/tool-identifier.ts';

/** A probe that sees no manifests: a bundle copied away from its package.json. */
class ContentOnlyProbe extends NodeFileProbe implements FileProbe {
  override packageManifest(): null {
    return null;
  }
}

export interface FileVerdict {
  toolId: string | null;
  via?: string;
  evidence: string | null;
  detail: string | null;
  ms: number;
}

export class ContentJudge {
  private readonly identifier: ToolIdentifier;
  constructor(tools: readonly CompiledTool[]) {
    // Path rules are dropped: the cache folder is not an install location, and a renamed copy has none.
    const contentOnly = tools.map((t) => ({ ...t, signatures: { ...t.signatures, paths: undefined, sharedPaths: undefined, npm: undefined, pypi: undefined, homebrew: undefined } }));
    this.identifier = new ToolIdentifier(contentOnly, new ContentOnlyProbe(), true);
  }

  judge(path: string, kind: 'native' | 'script'): FileVerdict {
    statSync(path);
    const t0 = performance.now();
    const id = this.identifier.identifyFile(path, kind);
    const ms = performance.now() - t0;
    return { toolId: id?.toolId ?? null, via: id?.via, evidence: id?.evidence ?? null, detail: id?.detail ?? null, ms };
  }
}
