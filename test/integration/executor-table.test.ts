/**
 * The executor's decisions, case by case, run in-process on in-memory connections with a clock
 * that does not wait (test/helpers/in-process.ts). Each expectation is ansible-playbook 2.14's
 * outcome for the same playbook on local hosts; `ORACLE=1 npx vitest run <this file>` runs every
 * case under ansible-playbook too and checks the expectation against it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ansibleAvailable, differences, runAnsible, type Outcome } from '../differential/harness.js';
import { runInProcess, type InProcessCase } from '../helpers/in-process.js';

interface Case extends InProcessCase {
  name: string;
  /**
   * The oracle compares only the exit code and the recap: ansible-playbook's callback shows a
   * result under another task's banner here (the linear strategy's display), though what ran is
   * the same.
   */
  oracleRecapOnly?: string;
  expect: {
    rc: number;
    tasks: string[];
    debug?: string[];
    /** Hosts with something counted. */
    recap?: Record<string, string>;
    /** Waits asked for, in order (ms); checked in-process only. */
    slept?: number[];
  };
}

const play = (body: string, head = ''): string => `- hosts: all\n  gather_facts: false\n${head}  tasks:\n${body}`;
const recap = (ok: number, changed = 0, failed = 0, skipped = 0, rescued = 0, ignored = 0): string =>
  `ok=${ok} changed=${changed} unreachable=0 failed=${failed} skipped=${skipped} rescued=${rescued} ignored=${ignored}`;

const CASES: Case[] = [
  {
    name: 'block: a failure runs rescue on that host, always on every host, and the play goes on',
    playbook: play(`    - block:
        - name: fails on h2
          command: "{{ 'false' if inventory_hostname == 'h2' else 'true' }}"
        - name: after
          debug: msg=after
      rescue:
        - name: rescue
          debug: msg="rescued {{ ansible_failed_task.name }}"
      always:
        - name: always
          debug: msg=always
    - name: next
      debug: msg=next
`),
    expect: {
      rc: 0,
      tasks: ['fails on h2: h1=changed h2=failed h3=changed', 'after: h1=ok h3=ok', 'rescue: h2=ok', 'always: h1=ok h2=ok h3=ok', 'next: h1=ok h2=ok h3=ok'],
      debug: ['after [h1]: "after"', 'after [h3]: "after"', 'rescue [h2]: "rescued fails on h2"', 'always [h1]: "always"', 'always [h2]: "always"', 'always [h3]: "always"', 'next [h1]: "next"', 'next [h2]: "next"', 'next [h3]: "next"'],
      recap: { h1: recap(4, 1), h2: recap(3, 0, 0, 0, 1), h3: recap(4, 1) },
    },
  },
  {
    name: 'block: a failing rescue still runs always, then the host is failed',
    hosts: ['h1'],
    playbook: play(`    - block:
        - name: first
          fail: msg=one
      rescue:
        - name: rescue fails
          fail: msg=two
      always:
        - name: always
          debug: msg=always
    - name: never
      debug: msg=never
`),
    expect: { rc: 2, tasks: ['first: h1=failed', 'rescue fails: h1=failed', 'always: h1=ok'], recap: { h1: recap(1, 0, 1, 0, 1) } },
  },
  {
    name: 'handlers: notified by name and by listen topic, run in handler order at flush, once',
    oracleRecapOnly: "h3's `after flush` shows under a `TASK [reload b]` banner",
    playbook: play(
      `    - name: change on h1
      command: "true"
      changed_when: inventory_hostname == 'h1'
      notify: restart app
    - name: topic
      command: "true"
      notify: config changed
      when: inventory_hostname != 'h3'
    - name: flush
      meta: flush_handlers
    - name: after flush
      debug: msg=after
`,
      `  handlers:
    - name: restart app
      debug: msg=restart
    - name: reload a
      debug: msg=reload-a
      listen: config changed
    - name: reload b
      debug: msg=reload-b
      listen: config changed
`,
    ),
    expect: {
      rc: 0,
      tasks: ['change on h1: h1=changed h2=ok h3=ok', 'topic: h1=changed h2=changed h3=skipped', 'restart app: h1=ok', 'reload a: h1=ok h2=ok', 'reload b: h1=ok h2=ok', 'after flush: h1=ok h2=ok h3=ok'],
      recap: { h1: recap(6, 2), h2: recap(5, 1), h3: recap(2, 0, 0, 1) },
    },
  },
  {
    name: 'handlers: a host that fails later still runs nothing; the others run at the end of the play',
    playbook: play(
      `    - name: notify
      command: "true"
      notify: h
    - name: h2 fails
      fail: msg=x
      when: inventory_hostname == 'h2'
`,
      `  handlers:
    - name: h
      debug: msg=handled
`,
    ),
    expect: { rc: 2, tasks: ['notify: h1=changed h2=changed h3=changed', 'h2 fails: h1=skipped h2=failed h3=skipped', 'h: h1=ok h3=ok'], recap: { h1: recap(2, 1, 0, 1), h2: recap(1, 1, 1), h3: recap(2, 1, 0, 1) } },
  },
  {
    name: 'run_once: one host runs it, every host gets its registered result',
    playbook: play(`    - name: once
      command: echo {{ inventory_hostname }}
      run_once: true
      register: r
    - name: seen
      debug: msg="{{ r.stdout }}"
`),
    expect: { rc: 0, tasks: ['once: h1=changed', 'seen: h1=ok h2=ok h3=ok'], debug: ['seen [h1]: "h1"', 'seen [h2]: "h1"', 'seen [h3]: "h1"'], recap: { h1: recap(2, 1), h2: recap(1), h3: recap(1) } },
  },
  {
    name: 'serial: batches of 1, then 50% of the play, then the rest',
    hosts: ['h1', 'h2', 'h3', 'h4'],
    playbook: play(`    - name: batch
      debug: msg="{{ ansible_play_batch | join(',') }}"
`, '  serial: [1, "50%"]\n'),
    expect: { rc: 0, tasks: ['batch: h1=ok', 'batch: h2=ok h3=ok', 'batch: h4=ok'], debug: ['batch [h1]: "h1"', 'batch [h2]: "h2,h3"', 'batch [h3]: "h2,h3"', 'batch [h4]: "h4"'] },
  },
  {
    name: 'max_fail_percentage: more than the percentage of a batch failed stops the rollout there',
    hosts: ['h1', 'h2', 'h3', 'h4'],
    playbook: play(`    - name: fail h2
      fail: msg=boom
      when: inventory_hostname == 'h2'
    - name: after
      debug: msg=after
`, '  serial: 2\n  max_fail_percentage: 49\n'),
    expect: { rc: 2, tasks: ['fail h2: h1=skipped h2=failed'], recap: { h1: recap(0, 0, 0, 1), h2: recap(0, 0, 1) } },
  },
  {
    name: 'max_fail_percentage: exactly the percentage goes on',
    hosts: ['h1', 'h2', 'h3', 'h4'],
    playbook: play(`    - name: fail h2
      fail: msg=boom
      when: inventory_hostname == 'h2'
    - name: after
      debug: msg=after
`, '  serial: 2\n  max_fail_percentage: 50\n'),
    expect: { rc: 2, tasks: ['fail h2: h1=skipped h2=failed', 'after: h1=ok', 'fail h2: h3=skipped h4=skipped', 'after: h3=ok h4=ok'] },
  },
  {
    name: 'any_errors_fatal: one failure stops every host and every later play',
    playbook: `${play(`    - name: fail h1
      fail: msg=x
      when: inventory_hostname == 'h1'
    - name: never
      debug: msg=never
`, '  any_errors_fatal: true\n')}- hosts: all
  gather_facts: false
  tasks:
    - name: next play
      debug: msg=x
`,
    expect: { rc: 2, tasks: ['fail h1: h1=failed h2=skipped h3=skipped'] },
  },
  {
    name: 'any_errors_fatal: a rescued failure does not stop the play',
    hosts: ['h1', 'h2'],
    playbook: play(`    - block:
        - name: fail h1
          fail: msg=x
          when: inventory_hostname == 'h1'
      rescue:
        - name: rescue
          debug: msg=r
    - name: goes on
      debug: msg=on
`, '  any_errors_fatal: true\n'),
    expect: { rc: 0, tasks: ['fail h1: h1=failed h2=skipped', 'rescue: h1=ok', 'goes on: h1=ok h2=ok'], recap: { h1: recap(2, 0, 0, 0, 1), h2: recap(1, 0, 0, 1) } },
  },
  {
    name: 'import_tasks is static, include_tasks runs its file once per loop item',
    hosts: ['h1', 'h2'],
    files: {
      'tasks/a.yml': '- name: from a\n  debug: msg=a\n',
      'tasks/b.yml': '- name: from b\n  debug: msg="b{{ item }}"\n',
    },
    playbook: play(`    - import_tasks: tasks/a.yml
    - name: include per item
      include_tasks: tasks/b.yml
      loop: [1, 2]
`),
    expect: {
      rc: 0,
      tasks: ['from a: h1=ok h2=ok', 'include per item: h1=ok h2=ok', 'from b: h1=ok h2=ok', 'from b: h1=ok h2=ok'],
      debug: ['from a [h1]: "a"', 'from a [h2]: "a"', 'from b [h1]: "b1"', 'from b [h2]: "b1"', 'from b [h1]: "b2"', 'from b [h2]: "b2"'],
      recap: { h1: recap(5), h2: recap(5) },
    },
  },
  {
    name: 'until: retried after `delay` until the condition holds; attempts registered',
    hosts: ['h1'],
    playbook: play(`    - name: poll
      command: "true"
      register: r
      until: r.attempts >= 3
      retries: 5
      delay: 2
    - name: attempts
      debug: msg="attempts {{ r.attempts }}"
`),
    expect: { rc: 0, tasks: ['poll: h1=changed', 'attempts: h1=ok'], debug: ['attempts [h1]: "attempts 3"'], slept: [2000, 2000] },
  },
  {
    name: 'until: retries N is N+1 runs; exhausted, the task fails with attempts N (default delay 5 s)',
    hosts: ['h1'],
    playbook: play(`    - name: never
      command: "false"
      register: r
      until: r.rc == 0
      retries: 2
      ignore_errors: true
    - name: attempts
      debug: msg="{{ r.attempts }} {{ r.failed }}"
`),
    expect: { rc: 0, tasks: ['never: h1=failed', 'attempts: h1=ok'], debug: ['attempts [h1]: "2 True"'], recap: { h1: recap(2, 1, 0, 0, 0, 1) }, slept: [5000, 5000] },
  },
  {
    name: 'until: a task var that reads the registered result renders again on each attempt',
    hosts: ['h1'],
    playbook: play(`    - name: poll
      command: "true"
      register: r
      vars:
        ready: "{{ (r.attempts | default(0)) >= 3 }}"
      until: ready | bool
      retries: 5
      delay: 1
    - name: attempts
      debug: msg="attempts {{ r.attempts }}"
`),
    expect: { rc: 0, tasks: ['poll: h1=changed', 'attempts: h1=ok'], debug: ['attempts [h1]: "attempts 3"'], slept: [1000, 1000] },
  },
  {
    name: 'wait_for: polls every `sleep` seconds on the clock until `timeout`, then fails',
    hosts: ['h1'],
    playbook: play(`    - name: wait
      wait_for: path=/never timeout=5 sleep=2
      ignore_errors: true
`),
    // probes at 0, 2 and 4 s as Ansible's; Ansible then sleeps to 6 s only to find the time up
    expect: { rc: 0, tasks: ['wait: h1=failed'], recap: { h1: recap(1, 0, 0, 0, 0, 1) }, slept: [2000, 2000] },
    oracleRecapOnly: 'the oracle waits for real: same outcome',
  },
  {
    name: 'loop_control.pause waits between items',
    hosts: ['h1'],
    playbook: play(`    - name: items
      debug: msg="{{ item }}"
      loop: [a, b, c]
      loop_control:
        pause: 3
`),
    expect: { rc: 0, tasks: ['items: h1=ok'], debug: ['items [h1]: ["a","b","c"]'], slept: [3000, 3000, 3000] },
  },
  {
    name: 'pause: once for the play hosts (registered on the first only), on the clock; a prompt without a time does not wait',
    hosts: ['h1', 'h2'],
    playbook: play(`    - name: wait
      pause: seconds=2
      register: p
    - name: ask
      pause:
        prompt: Continue?
        echo: false
      register: q
    - name: out
      debug: msg="{{ p.stdout | default('none') }} {{ q.user_input | default('none') }}/{{ q.echo | default('none') }} {{ q.stdout | default('none') }}"
`),
    expect: {
      rc: 0,
      tasks: ['wait: h1=ok', 'ask: h1=ok', 'out: h1=ok h2=ok'],
      debug: ['out [h1]: "Paused for 2.0 seconds /False Paused for 0.0 minutes"', 'out [h2]: "none none/none none"'],
      slept: [2000],
    },
  },
];

describe('executor, in-process on in-memory connections', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const out = await runInProcess(c);
    expect(out.tasks).toEqual(c.expect.tasks);
    expect(out.rc).toBe(c.expect.rc);
    if (c.expect.debug) expect(out.debug).toEqual(c.expect.debug);
    if (c.expect.recap) expect(counted(out.recap)).toEqual(c.expect.recap);
    if (c.expect.slept) expect(out.slept).toEqual(c.expect.slept);
  });
});

function counted(r: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(r).filter(([, v]) => /=[1-9]/.test(v)));
}

describe.skipIf(!process.env['ORACLE'] || !ansibleAvailable())('the expectations are ansible-playbook 2.14 outcomes', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'orchestrate-oracle-'));
    try {
      for (const [rel, text] of Object.entries({ ...c.files, 'case.yml': c.playbook })) {
        mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        writeFileSync(path.join(dir, rel), text);
      }
      const ansible = await runAnsible({ name: 'case', file: path.join(dir, 'case.yml'), args: [], hosts: c.hosts ?? ['h1', 'h2', 'h3'], sideDir: dir, noGroups: true });
      const expected: Outcome = { rc: c.expect.rc, tasks: c.expect.tasks, debug: c.expect.debug ?? ansible.debug, recap: c.expect.recap ?? ansible.recap, files: ansible.files };
      if (c.oracleRecapOnly) Object.assign(expected, { tasks: ansible.tasks, debug: ansible.debug });
      expect(differences(ansible, expected)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
