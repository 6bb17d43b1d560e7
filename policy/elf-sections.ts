// The section table of an ELF64 little-endian file (x86-64, aarch64), read with a few bounded reads so that
// content evidence can look inside the one section that carries it (Bun's `.bun` payload, Go's
// `.go.buildinfo`, the dynamic string table) instead of scanning a 400 MB binary.

export interface ElfSection {
  name: string;
  offset: number;
  size: number;
}

/** Reads `length` bytes at `offset` of the file under inspection, or null. */
export type ReadAt = (offset: number, length: number) => Buffer | null;

const MAX_SECTIONS = 512;
const MAX_SHSTRTAB = 64 * 1024;
const SHDR_SIZE = 64;
const SHT_NOTE = 7;
const SHT_NOBITS = 8;
const MAX_NOTE_NAME = 64;

/** The sections of an ELF64 LE file, or null when it is not one (or its header lies). Never throws. */
export function elfSections(read: ReadAt, fileSize: number): ElfSection[] | null {
  const hdr = read(0, 64);
  if (!hdr || hdr.length < 64) return null;
  // \x7fELF, ELFCLASS64, ELFDATA2LSB
  if (hdr.readUInt32BE(0) !== 0x7f454c46 || hdr[4] !== 2 || hdr[5] !== 1) return null;
  const shoff = Number(hdr.readBigUInt64LE(0x28));
  const shentsize = hdr.readUInt16LE(0x3a);
  const shnum = hdr.readUInt16LE(0x3c);
  const shstrndx = hdr.readUInt16LE(0x3e);
  if (shentsize !== SHDR_SIZE || shnum === 0 || shnum > MAX_SECTIONS || shstrndx >= shnum) return null;
  if (shoff <= 0 || shoff + shnum * SHDR_SIZE > fileSize) return null;
  const table = read(shoff, shnum * SHDR_SIZE);
  if (!table || table.length < shnum * SHDR_SIZE) return null;
  const entry = (i: number) => ({
    nameOff: table.readUInt32LE(i * SHDR_SIZE),
    type: table.readUInt32LE(i * SHDR_SIZE + 4),
    offset: Number(table.readBigUInt64LE(i * SHDR_SIZE + 0x18)),
    size: Number(table.readBigUInt64LE(i * SHDR_SIZE + 0x20)),
  });
  const strtab = entry(shstrndx);
  if (strtab.offset + strtab.size > fileSize) return null;
  const names = read(strtab.offset, Math.min(strtab.size, MAX_SHSTRTAB));
  if (!names) return null;
  const sections: ElfSection[] = [];
  for (let i = 1; i < shnum; i++) {
    const s = entry(i);
    if (s.type === SHT_NOBITS || s.nameOff >= names.length) continue;
    const end = names.indexOf(0, s.nameOff);
    let name = names.toString('latin1', s.nameOff, end < 0 ? names.length : end);
    if (s.offset + s.size > fileSize) continue;
    // postject (Node's single-executable apps) adds its payload as an unnamed note: known by the note's name.
    if (name === '' && s.type === SHT_NOTE) name = noteName(read, s.offset, s.size) ?? '';
    sections.push({ name, offset: s.offset, size: s.size });
  }
  return sections;
}

/** The owner name of the first note in a note section (Elf64_Nhdr: namesz, descsz, type, then the name). */
function noteName(read: ReadAt, offset: number, size: number): string | null {
  if (size < 12) return null;
  const hdr = read(offset, Math.min(size, 12 + MAX_NOTE_NAME));
  if (!hdr || hdr.length < 12) return null;
  const namesz = hdr.readUInt32LE(0);
  if (namesz < 2 || namesz > MAX_NOTE_NAME || 12 + namesz > hdr.length) return null;
  const name = hdr.toString('latin1', 12, 12 + namesz - 1);
  return /^[\x21-\x7e]+$/.test(name) ? name : null;
}
