// A vendor's settings file as a tree the agent can change key by key and write back: JSON, or the TOML subset
// that policy/toml-subset.ts reads (values it does not interpret are written back as they were).
import { parseTomlSubset, type TomlTable } from '../../policy/toml-subset.ts';

export type SettingsTree = Record<string, unknown>;

export function parseSettings(text: string, format: 'json' | 'toml'): SettingsTree {
  if (text.trim() === '') return {};
  if (format === 'toml') return parseTomlSubset(text);
  const value: unknown = JSON.parse(text);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('the file is not a JSON object');
  return value as SettingsTree;
}

export function getKey(tree: SettingsTree, dotted: string): unknown {
  let node: unknown = tree;
  for (const part of dotted.split('.')) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = (node as SettingsTree)[part];
  }
  return node;
}

/** Sets a dotted key, creating the objects on the way (an object in the way that is not one is replaced). */
export function setKey(tree: SettingsTree, dotted: string, value: string): void {
  const parts = dotted.split('.');
  let node = tree;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (next === null || typeof next !== 'object' || Array.isArray(next) || isRawToml(next)) node[part] = {};
    node = node[part] as SettingsTree;
  }
  node[parts[parts.length - 1] ?? ''] = value;
}

/** Deletes a dotted key and the objects it leaves empty. */
export function deleteKey(tree: SettingsTree, dotted: string): void {
  const parts = dotted.split('.');
  const trail: SettingsTree[] = [tree];
  for (const part of parts.slice(0, -1)) {
    const next = trail[trail.length - 1]?.[part];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) return;
    trail.push(next as SettingsTree);
  }
  delete trail[trail.length - 1]?.[parts[parts.length - 1] ?? ''];
  for (let i = trail.length - 1; i > 0; i--) {
    if (Object.keys(trail[i] ?? {}).length) break;
    delete trail[i - 1]?.[parts[i - 1] ?? ''];
  }
}

function isRawToml(value: unknown): value is { '': string } {
  return value !== null && typeof value === 'object' && Object.keys(value).length === 1 && typeof (value as TomlTable)[''] === 'string';
}

const BARE_KEY = /^[A-Za-z0-9_-]+$/;
const tomlKey = (k: string) => (BARE_KEY.test(k) ? k : JSON.stringify(k));

function tomlTable(table: SettingsTree, path: string[], out: string[]): void {
  const subtables: [string, SettingsTree][] = [];
  const lines: string[] = [];
  for (const [k, v] of Object.entries(table)) {
    if (typeof v === 'string') lines.push(`${tomlKey(k)} = ${JSON.stringify(v)}`);
    else if (isRawToml(v)) lines.push(`${tomlKey(k)} = ${v['']}`);
    else if (v !== null && typeof v === 'object') subtables.push([k, v as SettingsTree]);
  }
  if (path.length && lines.length) out.push(`[${path.map(tomlKey).join('.')}]`);
  out.push(...lines);
  if (lines.length) out.push('');
  for (const [k, v] of subtables) tomlTable(v, [...path, k], out);
}

export function serializeSettings(tree: SettingsTree, format: 'json' | 'toml'): string {
  if (format === 'json') return `${JSON.stringify(tree, null, 2)}\n`;
  const out: string[] = [];
  tomlTable(tree, [], out);
  return `${out.join('\n').trimEnd()}\n`;
}
