// Interpreters recognised by what their binary is, not by its name: `cp $(command -v node) ~/n` is still node.
// The evidence is the dynamic string table, which names the embedding API every build of the interpreter
// exports (node: N-API and libuv; CPython: Py_BytesMain, the entry point of the `python` program itself).
import { elfSections, type ReadAt } from './elf-sections.ts';
import type { InterpreterKind } from './interpreter-argv.ts';

// node's .dynstr is ~5 MB (it exports V8, libuv, N-API for addons); CPython's is tens of KB.
const MAX_DYNSTR_BYTES = 8 * 1024 * 1024;

const SIGNS: { kind: InterpreterKind; all: Buffer[] }[] = [
  // Bun exports N-API and libuv names too; only node exports its own C++ Environment class.
  { kind: 'node', all: ['\0napi_module_register\0', '\0uv_loop_init\0', '\0_ZN4node11Environment'].map((s) => Buffer.from(s, 'latin1')) },
  { kind: 'python', all: ['\0Py_BytesMain\0'].map((s) => Buffer.from(s, 'latin1')) },
];

/** node or python when the ELF file is one, whatever it is called; undefined otherwise. Never throws. */
export function interpreterByContent(read: ReadAt, fileSize: number): InterpreterKind | undefined {
  const sections = elfSections(read, fileSize);
  const dynstr = sections?.find((s) => s.name === '.dynstr');
  if (!dynstr || dynstr.size === 0) return undefined;
  const table = read(dynstr.offset, Math.min(dynstr.size, MAX_DYNSTR_BYTES));
  if (!table) return undefined;
  for (const sign of SIGNS) if (sign.all.every((n) => table.includes(n))) return sign.kind;
  return undefined;
}
