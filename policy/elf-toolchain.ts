// Which toolchain built an ELF file, from its section table alone: an install location another program shares
// (~/.local/bin/goose: Block's goose is Rust, pressly/goose the migration tool is Go) counts for the tool only
// when the file there is not built with a toolchain the tool never uses.
import { elfSections, type ReadAt } from './elf-sections.ts';

export type Toolchain = 'go';

/** Go writes `.go.buildinfo` (Go ≥ 1.13, kept by `-ldflags=-s -w`) and `.gopclntab`; other toolchains never do. */
const GO_SECTIONS = new Set(['.go.buildinfo', '.gopclntab', '.note.go.buildid']);

/** True when the ELF file was built with `toolchain`; false for anything else, non-ELF and unreadable included. */
export function builtWith(toolchain: Toolchain, read: ReadAt, fileSize: number): boolean {
  const sections = elfSections(read, fileSize);
  if (!sections) return false;
  return toolchain === 'go' && sections.some((s) => GO_SECTIONS.has(s.name));
}
