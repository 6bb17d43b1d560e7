// Parses YAML (or JSON, which is YAML) and validates it against a TypeBox schema, with located problems.
import { LineCounter, parseDocument } from 'yaml';
import { Compile } from 'typebox/compile';
import type { TSchema, Static } from 'typebox';
import { Settings } from 'typebox/system';
import { locateProblems, schemaProblems, ValidationError, type Problem } from './problems.ts';

export const MAX_DOCUMENT_BYTES = 1024 * 1024;

// "Print every problem": TypeBox stops at 8 by default. Still bounded, so hostile input stays cheap.
Settings.Set({ maxErrors: 200 });

export interface ParsedSource {
  value: unknown;
  /** Adds line/column to problems found later (semantic checks) on the same value. */
  locate(problems: Problem[]): Problem[];
}

export function parseYamlSource(text: string, source: string): ParsedSource {
  if (Buffer.byteLength(text) > MAX_DOCUMENT_BYTES)
    throw new ValidationError(source, [{ path: '', message: `document is larger than ${MAX_DOCUMENT_BYTES} bytes` }]);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ValidationError(
      source,
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return { path: '', message: `YAML: ${e.message.split('\n')[0]}`, line: pos.line, column: pos.col };
      }),
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 50 });
  } catch (err) {
    // An alias bomb (aliases expanding into millions of nodes) is bad input like any other, not a crash.
    throw new ValidationError(source, [{ path: '', message: `YAML: ${(err as Error).message}` }]);
  }
  return { value, locate: (problems) => locateProblems(doc, lineCounter, problems) };
}

/** A compiled validator that throws ValidationError listing every problem, located in the source. */
export class SchemaValidator<T extends TSchema> {
  private readonly check;
  constructor(private readonly schema: T) {
    this.check = Compile(schema);
  }

  problems(value: unknown): Problem[] {
    if (this.check.Check(value)) return [];
    return schemaProblems(this.schema, this.check.Errors(value));
  }

  /** Validates an already-parsed value (e.g. a JSON request body). */
  assert(value: unknown, source: string): Static<T> {
    const problems = this.problems(value);
    if (problems.length) throw new ValidationError(source, problems);
    return value as Static<T>;
  }

  parse(text: string, source: string, semantic?: (value: Static<T>) => Problem[]): Static<T> {
    const parsed = parseYamlSource(text, source);
    let problems = this.problems(parsed.value);
    if (problems.length === 0 && semantic) problems = semantic(parsed.value as Static<T>);
    if (problems.length) throw new ValidationError(source, byLine(parsed.locate(problems)));
    return parsed.value as Static<T>;
  }
}

function byLine(problems: Problem[]): Problem[] {
  return problems.map((p, i) => ({ p, i })).sort((a, b) => (a.p.line ?? 0) - (b.p.line ?? 0) || a.i - b.i).map((x) => x.p);
}
