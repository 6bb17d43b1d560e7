// The "anything new?" test the /proc watcher runs on every tick: the last pid the kernel handed out, the last field
// of /proc/loadavg. Ten times a second for the life of the agent, so it keeps the file open and re-reads it in
// place (one pread; /proc regenerates it at offset 0) into one buffer, and parses the digits without a string.
import { closeSync, openSync, readSync } from 'node:fs';

export class LastPidReader {
  private fd: number | undefined;
  private readonly buf = Buffer.alloc(128);

  constructor(private readonly file = '/proc/loadavg') {}

  read(): number {
    let n: number;
    try {
      this.fd ??= openSync(this.file, 'r');
      n = readSync(this.fd, this.buf, 0, this.buf.length, 0);
    } catch (err) {
      // A closed or stale descriptor: reopen once; a second failure is the caller's problem to report.
      this.close();
      this.fd = openSync(this.file, 'r');
      n = readSync(this.fd, this.buf, 0, this.buf.length, 0);
      if (n <= 0) throw err;
    }
    let end = n;
    while (end > 0 && (this.buf[end - 1]! < 48 || this.buf[end - 1]! > 57)) end--; // the trailing newline
    let value = 0;
    let scale = 1;
    for (let i = end - 1; i >= 0 && this.buf[i]! >= 48 && this.buf[i]! <= 57; i--, scale *= 10) value += (this.buf[i]! - 48) * scale;
    return value;
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    this.fd = undefined;
  }
}
