// The part of TOML that tools' settings files use to say where they send (Codex's config.toml): tables, dotted
// and quoted keys, basic and literal strings. Other single-line values (numbers, booleans, dates, one-line arrays
// and inline tables) are kept as their raw text; anything else (multi-line strings or arrays) makes the whole
// file unreadable, which callers deciding an endpoint must treat as unknown: failing closed beats a guess.

export type TomlTable = { [key: string]: string | TomlTable };

const BARE = /^[A-Za-z0-9_-]+/;

function parseKey(text: string, line: number): { parts: string[]; rest: string } {
  const parts: string[] = [];
  let rest = text.trimStart();
  for (;;) {
    if (rest.startsWith('"') || rest.startsWith("'")) {
      const { value, after } = parseString(rest, line);
      parts.push(value);
      rest = after;
    } else {
      const m = BARE.exec(rest);
      if (!m) throw new Error(`line ${line}: a key is expected`);
      parts.push(m[0]);
      rest = rest.slice(m[0].length);
    }
    rest = rest.trimStart();
    if (!rest.startsWith('.')) return { parts, rest };
    rest = rest.slice(1).trimStart();
  }
}

function parseString(text: string, line: number): { value: string; after: string } {
  if (text.startsWith('"""') || text.startsWith("'''")) throw new Error(`line ${line}: multi-line strings are not read`);
  const quote = text[0];
  let value = '';
  for (let i = 1; i < text.length; i++) {
    const c = text[i];
    if (c === quote) return { value, after: text.slice(i + 1) };
    if (c === '\\' && quote === '"') {
      const e = text[++i] ?? '';
      const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', b: '\b', f: '\f' };
      if (e in simple) value += simple[e];
      else if (e === 'u' || e === 'U') {
        const len = e === 'u' ? 4 : 8;
        const hex = text.slice(i + 1, i + 1 + len);
        if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== len) throw new Error(`line ${line}: bad escape`);
        value += String.fromCodePoint(parseInt(hex, 16));
        i += len;
      } else throw new Error(`line ${line}: bad escape`);
    } else value += c;
  }
  throw new Error(`line ${line}: unterminated string`);
}

function stripComment(rest: string, line: number): void {
  const r = rest.trim();
  if (r !== '' && !r.startsWith('#')) throw new Error(`line ${line}: unexpected text after the value`);
}

function tableAt(root: TomlTable, parts: readonly string[], line: number): TomlTable {
  let t = root;
  for (const p of parts) {
    const next = t[p] ?? {};
    if (typeof next === 'string') throw new Error(`line ${line}: "${p}" is a value, not a table`);
    t[p] = next;
    t = next;
  }
  return t;
}

/** Parses the subset; throws an Error naming the line for anything outside it. */
export function parseTomlSubset(text: string): TomlTable {
  const root: TomlTable = {};
  let current = root;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    if (trimmed.startsWith('[[')) throw new Error(`line ${line}: arrays of tables are not read`);
    if (trimmed.startsWith('[')) {
      const { parts, rest } = parseKey(trimmed.slice(1), line);
      if (!rest.startsWith(']')) throw new Error(`line ${line}: "]" expected`);
      stripComment(rest.slice(1), line);
      current = tableAt(root, parts, line);
      return;
    }
    const { parts, rest } = parseKey(trimmed, line);
    if (!rest.startsWith('=')) throw new Error(`line ${line}: "=" expected`);
    const valueText = rest.slice(1).trim();
    const table = tableAt(current, parts.slice(0, -1), line);
    const name = parts[parts.length - 1] ?? '';
    if (name in table) throw new Error(`line ${line}: "${name}" is defined twice`);
    if (valueText.startsWith('"') || valueText.startsWith("'")) {
      const { value, after } = parseString(valueText, line);
      stripComment(after, line);
      table[name] = value;
      return;
    }
    // A non-string value on one line: balanced brackets, no string that could hide a bracket or a "#".
    let depth = 0;
    for (const c of valueText.replace(/#.*$/, '')) {
      if (c === '[' || c === '{') depth++;
      if (c === ']' || c === '}') depth--;
    }
    if (depth !== 0 || valueText === '') throw new Error(`line ${line}: values over several lines are not read`);
    table[name] = { '': valueText };
  });
  return root;
}
