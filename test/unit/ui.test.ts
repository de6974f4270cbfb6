/** The terminal renderers: diff hunks, failure lines, batches, a stopped rollout, the live region. */
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/executor/events.js';
import { unifiedDiff } from '../../src/ui/diff.js';
import { batchLine, failureLine, hostRange, rolloutStopLines } from '../../src/ui/format.js';
import { fit } from '../../src/ui/live.js';
import { plainRenderer } from '../../src/ui/plain.js';
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

describe('live region', () => {
  it('cuts lines to the width without breaking colour codes', () => {
    expect(plain(fit('\x1b[32mabcdefghij\x1b[0m', 6))).toBe('abcde…');
    expect(fit('short', 10)).toBe('short');
  });

  it('shows the running hosts by name, longest first, with retries and the connection phase', () => {
    let out = '';
    let t = 1000;
    const tty = ttyRenderer({ write: (s) => (out += s), verbosity: 0, diff: false, columns: () => 200, fps: 1, now: () => t });
    const ev = (e: RunEvent): void => tty.listener(e);
    ev({ type: 'play.start', name: 'p', hosts: ['h1', 'h2', 'h3', 'h4'], pattern: 'all' });
    ev({ type: 'task.start', id: 1, name: 'first', module: 'ping', hosts: ['h1', 'h2', 'h3', 'h4'], handler: false });
    for (const h of ['h2', 'h1', 'h3']) ev({ type: 'host.start', taskId: 1, host: h });
    t = 3000;
    ev({ type: 'host.result', taskId: 1, task: 'first', host: 'h3', status: 'ok', changed: false, durationMs: 2000 });
    ev({ type: 'log', host: 'h1', message: 'FAILED - RETRYING: first (3 retries left)', verbosity: 1 });
    const frame = tty.region;
    out = '';
    (frame as unknown as { draw(): void }).draw();
    const text = plain(out);
    expect(text).toContain('TASK [first]  ok=1  (1/4)  2.0s');
    expect(text).toContain('connecting to 2, 1 waiting for a fork');
    expect(text).toContain('running: h2 2.0s, h1 2.0s (retry 1)');
    ev({ type: 'host.result', taskId: 1, task: 'first', host: 'h2', status: 'unreachable', changed: false, msg: 'refused', durationMs: 2000 });
    expect(plain(out)).toContain('fatal: [h2]: UNREACHABLE! => {"changed": false, "msg": "refused", "unreachable": true}');
    ev({ type: 'task.end', id: 1, name: 'first' });
    ev({ type: 'recap', stats: {}, durationMs: 3000, interrupted: false });
    expect(plain(out)).toMatch(/✗ TASK \[first\]\s+ok=1 unreachable=1/);
    expect(out.endsWith('\n')).toBe(true);
    expect(out).toContain('\x1b[?25h');
  });
});
