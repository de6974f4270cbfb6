/** HandleGuess follows an OpenSSH sftp-server's handle table from the session's opens and closes. */
import { describe, expect, it } from 'vitest';
import { HandleGuess } from '../../src/connection/ssh/sftp-handles.js';

const h = (i: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(i);
  return b;
};

/** The server side: a slot table with a LIFO free list, as sftp-server.c's handle_new/handle_unused. */
class Table {
  private free: number[] = [];
  private size = 0;
  open(): number {
    return this.free.length ? this.free.pop()! : this.size++;
  }
  close(i: number): void {
    this.free.push(i);
  }
}

describe('HandleGuess', () => {
  it('predicts what the server hands out, across opens, closes and failed opens', () => {
    const g = new HandleGuess();
    const t = new Table();
    expect(g.next()).toEqual(h(0));
    const opens = [0, 1, 2, 3].map(() => {
      const done = g.opening();
      expect(g.next()).toBeUndefined(); // an open is unanswered
      const i = t.open();
      done(h(i));
      return i;
    });
    expect(opens).toEqual([0, 1, 2, 3]);
    expect(g.next()).toBeUndefined(); // handles are open
    for (const i of [1, 3, 0, 2]) {
      g.closing(h(i));
      t.close(i);
    }
    expect(g.next()).toEqual(h(2)); // the slot freed last
    g.opening()(null); // a failed open takes no slot
    expect(g.next()).toEqual(h(2));
    const done = g.opening();
    done(h(t.open()));
    expect(g.next()).toBeUndefined();
    g.closing(h(2));
    t.close(2);
    for (let k = 0; k < 6; k++) {
      const next = g.next()!;
      const done2 = g.opening();
      const i = t.open();
      expect(next).toEqual(h(i));
      done2(h(i));
      g.closing(h(i));
      t.close(i);
    }
  });

  it('applies events in the order they were sent, whatever order the answers are seen in', () => {
    const g = new HandleGuess();
    const done = g.opening(); // open sent: the server gives it slot 0
    g.closing(h(5)); // a close sent after it (slot 5 is not even known: it still frees 5 later)
    done(h(0));
    expect(g.next()).toBeUndefined(); // slot 0 is open
    g.closing(h(0));
    expect(g.next()).toEqual(h(0)); // freed last
  });

  it('stops for good when the server does something else', () => {
    const g = new HandleGuess();
    g.opening()(h(7)); // expected 0
    g.closing(h(7));
    expect(g.next()).toBeUndefined();
    const g2 = new HandleGuess();
    g2.opening()(Buffer.from('handle-1')); // not a 4-byte index
    g2.closing(Buffer.from('handle-1'));
    expect(g2.next()).toBeUndefined();
    const g3 = new HandleGuess();
    g3.stop();
    expect(g3.next()).toBeUndefined();
  });
});
