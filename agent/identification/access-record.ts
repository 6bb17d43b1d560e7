// The one piece of memory an identification thread shares with the main thread: a counter bumped at every file
// access, how deep in an access the thread is, and the path it is touching. A thread blocked in the kernel (a
// read on a hung FUSE or NFS mount) cannot say so; the main thread sees the counter stand still inside an
// access, and reads the path to name what hung.
const SEQ = 0;
const DEPTH = 1;
const LENGTH = 2;
const TEXT_OFFSET = 16;
const TEXT_BYTES = 2048;

export class AccessRecord {
  readonly shared: SharedArrayBuffer;
  private readonly slots: Int32Array;
  private readonly text: Uint8Array;
  private readonly encoder = new TextEncoder();

  constructor(shared = new SharedArrayBuffer(TEXT_OFFSET + TEXT_BYTES)) {
    this.shared = shared;
    this.slots = new Int32Array(shared, 0, 3);
    this.text = new Uint8Array(shared, TEXT_OFFSET, TEXT_BYTES);
  }

  /** Thread side: about to touch `path`. */
  enter(path: string): void {
    if (Atomics.load(this.slots, DEPTH) === 0) {
      const { written } = this.encoder.encodeInto(path, this.text);
      Atomics.store(this.slots, LENGTH, written);
    }
    Atomics.add(this.slots, DEPTH, 1);
    Atomics.add(this.slots, SEQ, 1);
  }

  /** Thread side: the access is over. */
  leave(): void {
    Atomics.sub(this.slots, DEPTH, 1);
    Atomics.add(this.slots, SEQ, 1);
  }

  /** Main side: the access counter (changes with every access begun or ended). */
  get seq(): number {
    return Atomics.load(this.slots, SEQ);
  }

  /** Main side: true while the thread is inside an access. */
  get inAccess(): boolean {
    return Atomics.load(this.slots, DEPTH) > 0;
  }

  /** Main side: the path of the access in progress (the outermost one). */
  get path(): string {
    return Buffer.from(this.text.subarray(0, Atomics.load(this.slots, LENGTH))).toString('utf8');
  }
}
