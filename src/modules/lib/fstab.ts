/** fstab editing of ansible.posix.mount (Linux), pure: _set_mount_save_old and unset_mount. */

export interface MountEntry {
  src: string;
  name: string;
  fstype: string;
  opts: string;
  dump: string;
  passno: string;
}

/** _escape_fstab: backslash, space and ampersand as octal escapes. */
export function escapeFstab(v: string): string {
  return v.replace(/\\/g, '\\134').replace(/ /g, '\\040').replace(/&/g, '\\046');
}

/** Python's readlines(): lines with their newline. */
export function readlines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

const fieldsOf = (line: string): string[] => line.split(/\s+/).filter(Boolean);

/** The fstab with this mount set: [new lines, changed]. */
export function setMount(text: string, e: MountEntry, srcGiven: boolean): { lines: string[]; changed: boolean } {
  const esc: MountEntry = { src: escapeFstab(e.src), name: escapeFstab(e.name), fstype: escapeFstab(e.fstype), opts: escapeFstab(e.opts), dump: escapeFstab(e.dump), passno: escapeFstab(e.passno) };
  const fmt = (d: MountEntry): string => `${d.src} ${d.name} ${d.fstype} ${d.opts} ${d.dump} ${d.passno}\n`;
  const out: string[] = [];
  let exists = false;
  let changed = false;
  for (let line of readlines(text)) {
    if (!line.endsWith('\n')) line += '\n';
    if (!line.trim() || line.trim().startsWith('#')) {
      out.push(line);
      continue;
    }
    const f = fieldsOf(line);
    if (![4, 5, 6].includes(f.length)) {
      out.push(line);
      continue;
    }
    const ld: MountEntry = { src: f[0]!, name: f[1]!, fstype: f[2]!, opts: f[3]!, dump: f[4] ?? '0', passno: f[5] ?? '0' };
    if (ld.name !== esc.name || (srcGiven && ld.name === 'none' && ld.fstype === 'swap' && ld.src !== e.src)) {
      out.push(line);
      continue;
    }
    exists = true;
    // as the module: `changed` carries over from an earlier matching line
    for (const k of ['src', 'fstype', 'opts', 'dump', 'passno'] as const) {
      if (ld[k] !== esc[k]) {
        ld[k] = esc[k];
        changed = true;
      }
    }
    out.push(changed ? fmt(ld) : line);
  }
  if (!exists) {
    out.push(fmt(esc));
    changed = true;
  }
  return { lines: out, changed };
}

/** The fstab without this mount: [new lines, changed]. */
export function unsetMount(text: string, name: string, src: string | undefined): { lines: string[]; changed: boolean } {
  const esc = escapeFstab(name);
  const out: string[] = [];
  let changed = false;
  for (const line of readlines(text)) {
    if (!line.trim() || line.trim().startsWith('#')) {
      out.push(line);
      continue;
    }
    const f = fieldsOf(line);
    if (f.length !== 6) {
      out.push(line);
      continue;
    }
    if (f[1] !== esc || (src !== undefined && f[1] === 'none' && f[2] === 'swap' && f[0] !== src)) {
      out.push(line);
      continue;
    }
    changed = true;
  }
  return { lines: out, changed };
}
