// The cheapest reliable process source for this platform.
import { ProcFsSource } from './procfs-source.ts';
import type { ProcessSource } from './process-source.ts';
import { PsSource } from './ps-source.ts';
import { SystemInformationSource } from './systeminformation-source.ts';

export function createProcessSource(platform: NodeJS.Platform = process.platform): ProcessSource {
  if (platform === 'linux') return new ProcFsSource();
  if (platform === 'win32') return new SystemInformationSource();
  return new PsSource();
}
