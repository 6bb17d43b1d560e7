// Turns schema errors and semantic checks into problems that say *where* (document path, line) and *what*.
import type { LineCounter} from 'yaml';
import { isMap, isSeq, type Document, type Node as YamlNode } from 'yaml';
import type { TLocalizedValidationError } from 'typebox/error';

export interface Problem {
  /** Dotted path in the document, e.g. `rules[2].action`; empty for the whole document. */
  path: string;
  message: string;
  line?: number;
  column?: number;
  /** The same path as segments, for locating it in the source. */
  segments?: PathSegment[];
}

export class ValidationError extends Error {
  constructor(
    readonly source: string,
    readonly problems: Problem[],
  ) {
    super(formatProblems(source, problems));
    this.name = 'ValidationError';
  }
}

export function formatProblems(source: string, problems: readonly Problem[]): string {
  const lines = problems.map((p) => {
    const where = p.line ? `${source}:${p.line}:${p.column ?? 1}` : source;
    return `  ${where}  ${p.path || '(document)'}: ${p.message}`;
  });
  return `${problems.length} problem${problems.length === 1 ? '' : 's'} in ${source}:\n${lines.join('\n')}`;
}

export type PathSegment = string | number;

export function pathToString(segments: readonly PathSegment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

function pointerToSegments(pointer: string): PathSegment[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function schemaAt(root: unknown, schemaPath: string): Record<string, unknown> | undefined {
  let node: unknown = root;
  for (const seg of pointerToSegments(schemaPath.replace(/^#/, ''))) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[seg];
  }
  return node && typeof node === 'object' ? (node as Record<string, unknown>) : undefined;
}

export function problem(segments: PathSegment[], message: string): Problem {
  return { path: pathToString(segments), message, segments };
}

/** Plain-language problems from TypeBox errors: enum-like unions collapsed, unknown keys named. */
export function schemaProblems(rootSchema: unknown, errors: Iterable<TLocalizedValidationError>): Problem[] {
  const all = [...errors];
  const unionPaths = new Set(all.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const out: Problem[] = [];
  const seen = new Set<string>();
  const push = (segments: PathSegment[], message: string) => {
    const path = pathToString(segments);
    const key = `${path}\u0000${message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ path, message, segments });
    }
  };
  for (const e of all) {
    const segments = pointerToSegments(e.instancePath);
    const params = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'boolean': // duplicate of the additionalProperties error on the parent
      case 'propertyNames':
        continue;
      case 'additionalProperties': {
        const extra = params.additionalProperties;
        for (const name of Array.isArray(extra) ? extra : []) push([...segments, String(name)], 'unknown field');
        continue;
      }
      case 'required': {
        const missing = params.requiredProperties;
        for (const name of Array.isArray(missing) ? missing : []) push([...segments, String(name)], 'is required');
        continue;
      }
      case 'const':
      case 'type':
        // Inside a union the anyOf error below says it better.
        if (unionPaths.has(e.instancePath) && e.schemaPath.includes('anyOf')) continue;
        if (e.keyword === 'const') push(segments, `must be ${JSON.stringify(params.allowedValue)}`);
        else push(segments, `must be ${describeType(params.type)}`);
        continue;
      case 'anyOf': {
        const schema = schemaAt(rootSchema, e.schemaPath);
        const options = Array.isArray(schema?.anyOf) ? (schema.anyOf as Record<string, unknown>[]) : [];
        const consts = options.map((o) => o.const).filter((c) => c !== undefined);
        if (consts.length === options.length && consts.length > 0)
          push(segments, `must be one of: ${consts.map(String).join(', ')}`);
        else push(segments, 'does not match any allowed form');
        continue;
      }
      case 'pattern': {
        const schema = schemaAt(rootSchema, e.schemaPath);
        const description = typeof schema?.description === 'string' ? schema.description : undefined;
        push(segments, description ? `must be ${description}` : `must match ${String(params.pattern)}`);
        continue;
      }
      case 'minLength':
        push(segments, params.limit === 1 ? 'must not be empty' : `must be at least ${String(params.limit)} characters`);
        continue;
      case 'format':
        push(segments, params.format === 'date-time' ? 'must be an RFC 3339 date-time, e.g. 2026-12-31T00:00:00Z' : `must be a valid ${String(params.format)}`);
        continue;
      default:
        push(segments, e.message);
    }
  }
  return out;
}

function describeType(type: unknown): string {
  const t = Array.isArray(type) ? type.join(' or ') : String(type);
  return t === 'object' ? 'a mapping (key: value)' : t === 'array' ? 'a list' : `a ${t}`;
}

/** Adds line/column to each problem from the YAML document the value came from. */
export function locateProblems(doc: Document, lineCounter: LineCounter, problems: Problem[]): Problem[] {
  return problems.map((p) => {
    if (p.line !== undefined || !p.segments) return p;
    const offset = offsetOf(doc, p.segments);
    if (offset === undefined) return p;
    const { line, col } = lineCounter.linePos(offset);
    return { ...p, line, column: col };
  });
}

function offsetOf(doc: Document, segments: PathSegment[]): number | undefined {
  let node: unknown = doc.contents;
  let best: number | undefined = (node as YamlNode | null)?.range?.[0];
  for (const seg of segments) {
    if (isMap(node)) {
      const pair = node.items.find((it) => (it.key as { value?: unknown } | null)?.value === seg);
      if (!pair) return best;
      const key = pair.key as YamlNode | null;
      best = key?.range?.[0] ?? best;
      node = pair.value;
      const valueStart = (node as YamlNode | null)?.range?.[0];
      // Point at the value when there is one, except for unknown keys (the key itself is the problem).
      if (valueStart !== undefined && seg !== segments[segments.length - 1]) best = valueStart;
      else if (valueStart !== undefined && node && !isMap(node) && !isSeq(node)) best = valueStart;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      best = (node as YamlNode | null)?.range?.[0] ?? best;
    } else return best;
  }
  return best;
}
