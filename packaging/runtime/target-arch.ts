// The CPU architectures packages are built for, and each one's name in Node, Debian, RPM and napi-rs.
export const TARGET_ARCHES = ['x64', 'arm64'] as const;
export type TargetArch = (typeof TARGET_ARCHES)[number];

export const ARCH_NAMES: Record<TargetArch, { deb: string; rpm: string; napi: string }> = {
  x64: { deb: 'amd64', rpm: 'x86_64', napi: 'linux-x64-gnu' },
  arm64: { deb: 'arm64', rpm: 'aarch64', napi: 'linux-arm64-gnu' },
};

export function hostArch(): TargetArch {
  if (process.arch === 'x64' || process.arch === 'arm64') return process.arch;
  throw new Error(`packages are built for ${TARGET_ARCHES.join(' and ')}, not ${process.arch}`);
}
