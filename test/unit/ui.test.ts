/** The terminal renderers: diff hunks, failure lines, batches, a stopped rollout, live progress drawn by listr2. */
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/executor/events.js';
import { unifiedDiff } from '../../src/ui/diff.js';
import { batchLine, failureLine, hostRange, rolloutStopLines } from '../../src/ui/format.js';
import { plainRenderer } from '../../src/ui/plain.js';
import { TaskProgress } from '../../src/ui/progress.js';
import { ttyRenderer } from '../../src/ui/tty.js';

// eslint-disable-next-line no-control-regex
const plain = (s: string): string => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

describe('diff', () => {
  it('hunks carry line numbers as diff -u writes them', () => {
    const before = 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n';
    const after = 'a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n';
    expect(unifiedDiff({ path: '/x', before, after })).toBe(
      ['--- before: /x', '+++ after: /x', '@@ -1,5 +1,5 @@', ' a', '-b', '+B', ' c', ' d', ' e', '@@ -10,3 +10,4 @@', ' j', ' k', ' l', '+m', ''].join('\n'),
    );
    expect(unifiedDiff({ before: '', after: 'x\n' })).toContain('@@ -0,0 +1 @@\n+x');
  });
});

describe('lines', () => {
  it('failures as Ansible prints them, keys sorted', () => {
    const e: RunEvent = { type: 'host.result', taskId: 1, task: 't', host: 'web1', status: 'failed', changed: false, msg: 'non-zero return code', detail: { rc: 2, cmd: 'false', stderr: 'no' }, durationMs: 5 };
    expect(failureLine(e as Extract<RunEvent, { type: 'host.result' }>)).toBe('fatal: [web1]: FAILED! => {"changed": false, "cmd": "false", "msg": "non-zero return code", "rc": 2, "stderr": "no"}');
  });

  it('batches and stopped rollouts', () => {
    expect(hostRange(['a', 'b'])).toBe('a, b');
    expect(batchLine({ type: 'batch.start', index: 2, count: 5, hosts: ['client13', 'client14', 'client15', 'client16', 'client17'] })).toBe('batch 2/5: client13..client17 (5 hosts)');
    const lines = rolloutStopLines({ type: 'rollout.stop', play: 'p', batch: 2, count: 5, cause: 'max_fail_percentage', maxFailPercentage: 0, failed: [{ host: 'client7', status: 'unreachable' }], notStarted: ['c8', 'c9'], playsNotRun: [] });
    expect(lines).toEqual(['rollout stopped after batch 2 of 5: max_fail_percentage 0 exceeded by client7 (unreachable); 2 hosts not started', '  not started: c8, c9']);
  });

  it('plain output says skipped hosts (display_skipped_hosts) and batches', () => {
    let out = '';
    const r = plainRenderer({ write: (s) => (out += s), verbosity: 0, color: false, diff: false });
    r({ type: 'batch.start', index: 1, count: 2, hosts: ['a'] });
    r({ type: 'task.start', id: 1, name: 'x', module: 'command', hosts: ['a'], handler: false });
    r({ type: 'host.result', taskId: 1, task: 'x', host: 'a', status: 'skipped', changed: false, durationMs: 0 });
    expect(out).toContain('batch 1/2: a (1 host)');
    expect(out).toContain('skipping: [a]');
  });
});

describe('live progress', () => {
  it('shows the running hosts by name, longest first, with retries, the connection phase and failures so far', () => {
    let t = 1000;
    const p = new TaskProgress('TASK [first]', 4, () => t, new Set(['h1']));
    for (const h of ['h2', 'h1', 'h3']) p.start(h);
    t = 3000;
    p.result({ type: 'host.result', taskId: 1, task: 'first', host: 'h3', status: 'unreachable', changed: false, durationMs: 2000 });
    p.retry('h1');
    p.notice('[WARNING]: interrupted');
    expect(plain(p.headline())).toBe('TASK [first]  unreachable=1  (1/4)  2.0s');
    expect(p.detail()).toEqual(['connecting to 1, 1 waiting for a fork', 'running: h2 2.0s, h1 2.0s (retry 1)', 'unreachable: h3', '[WARNING]: interrupted']);
    expect(p.bad).toBe(true);
    expect(plain(p.headline(true))).toBe('TASK [first]  unreachable=1  2.0s');
  });

  it('listr2 draws the task on the terminal; its row stays with the failure under it, then the recap', async () => {
    let out = '';
    const terminal = { isTTY: true, columns: 200, rows: 40, write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream;
    let t = 1000;
    const tty = ttyRenderer({ stream: terminal, verbosity: 0, diff: false, fps: 50, now: () => t });
    const ev = (e: RunEvent): void => tty.listener(e);
    ev({ type: 'play.start', name: 'p', hosts: ['h1', 'h2'], pattern: 'all' });
    ev({ type: 'task.start', id: 1, name: 'first', module: 'ping', hosts: ['h1', 'h2'], handler: false });
    for (const h of ['h2', 'h1']) ev({ type: 'host.start', taskId: 1, host: h });
    t = 3000;
    for (let i = 0; i < 100 && !plain(out).includes('running: h2 2.0s, h1 2.0s'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(plain(out)).toContain('running: h2 2.0s, h1 2.0s');
    ev({ type: 'host.result', taskId: 1, task: 'first', host: 'h1', status: 'ok', changed: false, durationMs: 2000 });
    ev({ type: 'host.result', taskId: 1, task: 'first', host: 'h2', status: 'unreachable', changed: false, msg: 'refused', durationMs: 2000 });
    ev({ type: 'task.end', id: 1, name: 'first' });
    ev({ type: 'recap', stats: { h1: { ok: 1, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 } }, durationMs: 3000, interrupted: false });
    await tty.drain();
    const text = plain(out);
    expect(text).toMatch(/✗ TASK \[first\]\s+ok=1 unreachable=1\s+2\.0s\n\s+fatal: \[h2\]: UNREACHABLE! => \{"changed": false, "msg": "refused", "unreachable": true\}/);
    expect(text.indexOf('PLAY RECAP')).toBeGreaterThan(text.indexOf('fatal: [h2]'));
    expect(out).toContain('\x1b[?25h');
  });
});
