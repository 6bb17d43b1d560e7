// Which files of a tool's package are the ones that *run* it: its bin scripts and main module (npm), its
// entry modules (Python). The exec guard judges an interpreter by these only: an editor's language server, a
// linter or a test runner (all `node` or `python`) may read any file of an installed package, the types of an
// SDK, a README, without running the tool; only opening an entry file is running it.
import { dirname, join, resolve } from 'node:path';
import { readUserText } from '../../policy/user-file-reader.ts';

const MANIFEST_MAX_BYTES = 1024 * 1024;
const MAX_MANIFEST_DEPTH = 8;
/** Interpreted sources an interpreter loads to run them; anything else it opens (JSON, maps, types) is data. */
const RUNNABLE = /\.(?:c|m)?js$|\.py[cw]?$/;
/** Python: the modules a console script or `python -m` starts from (aider.main:main, kimi_cli/__main__). */
const PYTHON_ENTRY = /\/(?:__main__|main|cli|__init__)(?:\.cpython-\d+[^/]*)?\.pyc?$/;

/** A file an interpreter loads as code (by its name); data it opens is not judged at all. */
export function isRunnableSource(path: string): boolean {
  return RUNNABLE.test(path);
}

interface Manifest {
  name?: unknown;
  bin?: unknown;
  main?: unknown;
}

function readManifest(dir: string): Manifest | null {
  const read = readUserText(join(dir, 'package.json'), MANIFEST_MAX_BYTES);
  if (!read) return null;
  try {
    const parsed: unknown = JSON.parse(read.text);
    return parsed && typeof parsed === 'object' ? (parsed as Manifest) : null;
  } catch {
    return null;
  }
}

/** The files a package's manifest says run it: every bin target and its main module, as absolute paths. */
export function packageEntryFiles(root: string): string[] {
  const manifest = readManifest(root);
  if (!manifest) return [];
  const targets: string[] = [];
  if (typeof manifest.bin === 'string') targets.push(manifest.bin);
  else if (manifest.bin && typeof manifest.bin === 'object') for (const v of Object.values(manifest.bin)) if (typeof v === 'string') targets.push(v);
  targets.push(typeof manifest.main === 'string' ? manifest.main : 'index.js');
  // A target that climbs out of the package is not the package's to name.
  return [...new Set(targets.map((t) => resolve(root, t)).filter((p) => p.startsWith(`${root}/`)))];
}

/** The package root holding `file`: below node_modules/<pkg>/ when it is there, else the nearest manifest. */
function packageRootOf(file: string, pkg: string | undefined): string | null {
  if (pkg) {
    const marker = `/node_modules/${pkg}/`;
    const at = file.lastIndexOf(marker);
    if (at >= 0) return file.slice(0, at + marker.length - 1);
  }
  let dir = dirname(file);
  for (let depth = 0; depth < MAX_MANIFEST_DEPTH && dir !== '/'; depth++, dir = dirname(dir)) if (readManifest(dir)) return dir;
  return null;
}

/**
 * True when an interpreter opening `file` (identified as a tool by `evidence`) is running that tool. Evidence
 * from the file's own content (markers, hashes) says so by itself; a package or module path says so only for
 * the package's entry files.
 */
export function runsTheTool(file: string, evidence: string, detail: string): boolean {
  if (!RUNNABLE.test(file)) return false;
  if (evidence === 'python-module') return PYTHON_ENTRY.test(file);
  if (evidence === 'npm-package' || evidence === 'package-manifest') {
    const root = packageRootOf(file, evidence === 'npm-package' ? detail : undefined);
    return root !== null && packageEntryFiles(root).includes(file);
  }
  return true;
}
