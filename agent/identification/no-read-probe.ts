// The file probe of last resort: reads nothing, so identification rests on what needs no file (argv, launchers,
// the path's own shape: node_modules/<package>/…). Used on the main thread only when every identification thread
// is stuck in the kernel and no more may be started (identification-pool.ts).
import type { FileProbe } from '../../policy/file-probe.ts';

export class NoReadProbe implements FileProbe {
  stat(): null {
    return null;
  }
  realpath(): null {
    return null;
  }
  read(): null {
    return null;
  }
  readAt(): null {
    return null;
  }
  readlink(): null {
    return null;
  }
  packageManifest(): null {
    return null;
  }
}
