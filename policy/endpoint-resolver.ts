// Where a running tool will send, worked out from the catalog's data for that tool (policy/catalog/<id>.yaml,
// `endpoint`) and the process's own view of the machine: its environment (/proc/<pid>/environ), its home, its
// working directory and its root. Every source that names an endpoint counts (a tool may consult more than one:
// Claude Code reads the user's settings before the project's), unless a source the vendor guarantees beats all
// others (managed settings) names one. A source that cannot be read or parsed makes the answer unknown.
import type { EndpointResolution, EndpointSource } from './catalog-schema.ts';
import { normalEndpoint } from './endpoint-glob.ts';
import { parseTomlSubset, type TomlTable } from './toml-subset.ts';
import { readProcText, readUserTextOutcome } from './user-file-reader.ts';

/** Settings files are small; anything bigger is not one. */
const SETTINGS_MAX_BYTES = 1024 * 1024;
/** Linux caps a process's environment near ARG_MAX; more than this is not an environment a tool was given. */
const ENVIRON_MAX_BYTES = 2 * 1024 * 1024;

export interface EndpointSetting {
  /** The URL as the source wrote it. */
  url: string;
  /** Where it was set, for people: "ANTHROPIC_BASE_URL in its environment", "~/.claude/settings.json". */
  where: string;
}

export type ResolvedEndpoint =
  | { known: true; endpoints: EndpointSetting[] }
  | { known: false; reason: string };

export interface ProcessContext {
  /** /proc/<pid> of the live process. */
  procDir: string;
  argv: readonly string[];
  /** The home of the process's user, when HOME is not in its environment. */
  homeOfUser?: () => string | undefined;
}

type Value = string | TomlTable | unknown;

function lookup(root: unknown, dotted: string): Value {
  let node: unknown = root;
  for (const part of dotted.split('.')) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** Parses an environment block (NUL-separated NAME=value). */
export function parseEnviron(raw: string): Map<string, string> {
  const env = new Map<string, string>();
  for (const entry of raw.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return env;
}

class Unknown extends Error {}

/** What is shown ends up in events and on terminals: a variable's value or a file's text may carry control characters. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

export class EndpointResolver {
  private env: Map<string, string> | undefined;

  constructor(
    private readonly data: EndpointResolution,
    private readonly process: ProcessContext,
    private readonly toolName: string,
  ) {}

  resolve(): ResolvedEndpoint {
    try {
      return { known: true, endpoints: this.endpoints() };
    } catch (err) {
      if (err instanceof Unknown) return { known: false, reason: printable(err.message) };
      throw err;
    }
  }

  private environ(): Map<string, string> {
    if (this.env) return this.env;
    const raw = readProcText(`${this.process.procDir}/environ`, ENVIRON_MAX_BYTES);
    if (raw === null) throw new Unknown(`its environment (${this.process.procDir}/environ) cannot be read`);
    this.env = parseEnviron(raw);
    return this.env;
  }

  private endpoints(): EndpointSetting[] {
    const env = this.environ();
    for (const name of this.data.unknownIfEnv ?? []) {
      if (env.get(name)) throw new Unknown(`${name} is set in its environment: ${this.toolName} then sends where a base URL does not say`);
    }
    for (const flag of this.data.unknownIfArgs ?? []) {
      if (this.process.argv.slice(1).some((a) => a === flag || a.startsWith(`${flag}=`)))
        throw new Unknown(`it was started with ${flag}, which overrides its settings from the command line`);
    }
    const found: EndpointSetting[] = [];
    for (const source of this.data.sources) {
      const setting = this.read(source, env);
      if (!setting) continue;
      if (source.decides) return [setting];
      found.push(setting);
    }
    return found.length ? found : [{ url: this.data.default, where: `${this.toolName}'s default` }];
  }

  private read(source: EndpointSource, env: Map<string, string>): EndpointSetting | null {
    if (source.env !== undefined) {
      const url = env.get(source.env);
      if (url === undefined || url === '') return null;
      if (normalEndpoint(url) === null) throw new Unknown(`${source.env} in its environment is not an http(s) URL`);
      return { url, where: `${source.env} in its environment` };
    }
    const { path, shown } = this.place(source.file ?? '', env);
    const outcome = readUserTextOutcome(path, SETTINGS_MAX_BYTES);
    if ('missing' in outcome) return null;
    if ('refused' in outcome) throw new Unknown(`${shown} ${outcome.refused}`);
    let parsed: unknown;
    try {
      parsed = source.format === 'toml' ? parseTomlSubset(outcome.text) : JSON.parse(outcome.text);
    } catch (err) {
      throw new Unknown(`${shown} cannot be parsed (${(err as Error).message})`);
    }
    const guard = source.unknownIfKey;
    const guardValue = guard ? lookup(parsed, guard.key) : undefined;
    if (guard && guardValue !== undefined && !(typeof guardValue === 'string' && guard.except?.includes(guardValue)))
      throw new Unknown(`${guard.key} in ${shown} sends ${this.toolName} where a base URL does not say`);
    if (source.key === undefined) return null;
    const key = this.key(source.key, parsed, shown);
    if (key === null) return null;
    const url = lookup(parsed, key);
    if (url === undefined) return null;
    if (typeof url !== 'string' || normalEndpoint(url) === null) throw new Unknown(`${key} in ${shown} is not an http(s) URL`);
    return { url, where: `${key} in ${shown}` };
  }

  /** The key with `{other.key}` filled in from the same file; null when a referenced key is not set. */
  private key(template: string, parsed: unknown, shown: string): string | null {
    let missing = false;
    const key = template.replace(/\{([^}]+)\}/g, (_, ref: string) => {
      const value = lookup(parsed, ref);
      if (value === undefined) missing = true;
      else if (typeof value !== 'string' || !/^[A-Za-z0-9_-]+$/.test(value)) throw new Unknown(`${ref} in ${shown} is not a plain name`);
      return typeof value === 'string' ? value : '';
    });
    return missing ? null : key;
  }

  /** The path to open (through the process's own root or working directory) and how to show it. */
  private place(template: string, env: Map<string, string>): { path: string; shown: string } {
    const expanded = template.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_, name: string, fallback?: string) => env.get(name) || fallback || '');
    const root = `${this.process.procDir}/root`;
    if (expanded.startsWith('{cwd}/')) return { path: `${this.process.procDir}/cwd/${expanded.slice(6)}`, shown: printable(`./${expanded.slice(6)} in its working directory`) };
    if (expanded.startsWith('~/')) {
      const home = env.get('HOME') || this.process.homeOfUser?.();
      if (!home || !home.startsWith('/')) throw new Unknown(`its home directory is unknown, so ${printable(expanded)} cannot be read`);
      return { path: `${root}${home.replace(/\/+$/, '')}/${expanded.slice(2)}`, shown: printable(expanded) };
    }
    if (!expanded.startsWith('/')) throw new Unknown(`${template} does not name an absolute path here`);
    return { path: `${root}${expanded}`, shown: printable(expanded) };
  }
}
