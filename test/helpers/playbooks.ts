/** Playbooks shared by the engine's integration tests (local connection) and e2e tests (SSH). */

/** Files, a role, handlers: everything under `root` on each host of `hosts`. */
export function filesPlaybook(hosts: string, root: string): string {
  return `
- name: files
  hosts: ${hosts}
  vars:
    root: ${root}
    motd: "welcome to {{ inventory_hostname }}"
  roles:
    - web
  tasks:
    - name: base dir
      file: { path: "{{ root }}", state: directory, mode: "0750" }
    - name: plain copy
      copy: { dest: "{{ root }}/motd", content: "{{ motd }}\\n", mode: "0644" }
      notify: note change
    - name: secret file
      copy: { dest: "{{ root }}/key.pem", content: "KEY\\n", mode: "0600" }
    - name: line
      lineinfile: { path: "{{ root }}/lines", line: "line two", create: true }
    - name: block
      blockinfile: { path: "{{ root }}/lines", block: "managed line" }
    - name: link
      file: { src: "{{ root }}/motd", dest: "{{ root }}/motd.link", state: link }
  handlers:
    - name: note change
      copy: { dest: "{{ root }}/handler-ran", content: "yes\\n" }
`;
}

/** The `web` role used by filesPlaybook. */
export const WEB_ROLE: Record<string, string> = {
  'roles/web/defaults/main.yml': 'web_port: 8080\n',
  'roles/web/tasks/main.yml': `
- name: role dir
  file: { path: "{{ root }}/web", state: directory }
- name: role template
  template: { src: app.conf.j2, dest: "{{ root }}/web/app.conf", mode: "0640" }
`,
  'roles/web/templates/app.conf.j2': 'listen {{ web_port }}\nhost {{ inventory_hostname }}\n',
};
