// Maps a Linux tty_nr (from /proc/PID/stat) to its device path, so the agent can explain a stop in the
// terminal where the tool was started.
import { statSync } from 'node:fs';

export function ttyPathFromNr(ttyNr: number): string | undefined {
  if (ttyNr <= 0) return undefined;
  // Linux dev_t encoding: major in bits 8-19, minor in bits 0-7 and 20-31.
  const major = (ttyNr >> 8) & 0xfff;
  const minor = (ttyNr & 0xff) | ((ttyNr >> 12) & 0xfff00);
  if (major >= 136 && major <= 143) return `/dev/pts/${(major - 136) * 256 + minor}`;
  if (major === 4 && minor < 64) return `/dev/tty${minor}`;
  if (major === 4) return `/dev/ttyS${minor - 64}`;
  return undefined;
}

/** True when PATH is the character device with that number (never write to a path that is not the tty). */
export function isTtyDevice(path: string, ttyNr: number): boolean {
  try {
    const st = statSync(path);
    if (!st.isCharacterDevice()) return false;
    const major = (ttyNr >> 8) & 0xfff;
    const minor = (ttyNr & 0xff) | ((ttyNr >> 12) & 0xfff00);
    // Node reports rdev in the glibc encoding: major bits 8-19 and 32-43, minor bits 0-7 and 20-31.
    const rdevMajor = ((st.rdev >> 8) & 0xfff) | Math.floor(st.rdev / 2 ** 32) & ~0xfff;
    const rdevMinor = (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00);
    return rdevMajor === major && rdevMinor === minor;
  } catch {
    return false;
  }
}
