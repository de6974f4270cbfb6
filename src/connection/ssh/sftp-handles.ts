/**
 * Knowing an SFTP handle before the server names it. OpenSSH's sftp-server (and internal-sftp)
 * answers an open with the 4-byte index of a slot in its handle table, taking the slot freed last,
 * else a new one; a failed open takes none; a close frees its slot whatever the outcome; requests
 * run in the order sent. Following the session's own opens and closes in that order, the handle
 * the next open will get is certain whenever none of them is open or unanswered.
 *
 * A write uses this to send its data, fsync and mode with the open instead of one round trip later.
 * A wrong guess is harmless: with no other handle open, the guessed one names nothing, so those
 * requests fail without touching any file, the write goes on with the real handle, and guessing
 * stops for the session (a server that allocates differently is noticed at its first open).
 */
type Event = { kind: 'open'; handle?: Buffer | null } | { kind: 'close'; index: number };

const indexOf = (h: Buffer): number | undefined => (h.length === 4 ? h.readUInt32BE(0) : undefined);

export class HandleGuess {
  private readonly free: number[] = [];
  private slots = 0;
  private readonly open = new Set<number>();
  private readonly pending: Event[] = [];
  private enabled = true;

  /** An open is being sent: call the result with its handle, or null when it failed. */
  opening(): (handle: Buffer | null) => void {
    const ev: Event = { kind: 'open' };
    this.pending.push(ev);
    return (handle) => {
      ev.handle = handle;
      this.drain();
    };
  }

  /** A close of `handle` is being sent. */
  closing(handle: Buffer): void {
    const index = indexOf(handle);
    if (index === undefined) return this.stop();
    this.pending.push({ kind: 'close', index });
    this.drain();
  }

  /** Something outside this account opens handles on the session: never guess again. */
  stop(): void {
    this.enabled = false;
  }

  /** The handle the next open will get, when that is certain. */
  next(): Buffer | undefined {
    if (!this.enabled || this.pending.length > 0 || this.open.size > 0) return undefined;
    const b = Buffer.alloc(4);
    b.writeUInt32BE(this.free.length > 0 ? this.free[this.free.length - 1]! : this.slots);
    return b;
  }

  /** Apply events in the order the server ran them, as far as their outcomes are known. */
  private drain(): void {
    while (this.pending.length > 0) {
      const ev = this.pending[0]!;
      if (ev.kind === 'open') {
        if (ev.handle === undefined) return;
        if (ev.handle !== null) this.allocated(ev.handle);
      } else {
        this.open.delete(ev.index);
        this.free.push(ev.index);
      }
      this.pending.shift();
    }
  }

  private allocated(handle: Buffer): void {
    const index = indexOf(handle);
    const expected = this.free.length > 0 ? this.free[this.free.length - 1] : this.slots;
    if (index === undefined || index !== expected) return this.stop();
    if (this.free.length > 0) this.free.pop();
    else this.slots++;
    this.open.add(index);
  }
}
