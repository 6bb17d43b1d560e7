// The cheapest reliable process source for this platform, or a named one (`cordon agent --watcher`, to compare
// them or to work around a platform quirk).
import { ProcFsSource } from './procfs-source.ts';
import type { ProcessSource } from './process-source.ts';
import { PsSource } from './ps-source.ts';
import { SystemInformationSource } from './systeminformation-source.ts';

export const WATCHER_KINDS = ['procfs', 'ps', 'systeminformation'] as const;
export type WatcherKind = (typeof WATCHER_KINDS)[number];

export function defaultWatcher(platform: NodeJS.Platform = process.platform): WatcherKind {
  if (platform === 'linux') return 'procfs';
  if (platform === 'win32') return 'systeminformation';
  return 'ps';
}

export function createProcessSource(kind: WatcherKind = defaultWatcher()): ProcessSource {
  if (kind === 'procfs') return new ProcFsSource();
  if (kind === 'systeminformation') return new SystemInformationSource();
  return new PsSource();
}
