/** serial batches, split exactly as Ansible's PlaybookExecutor._get_serialized_batches. */

export function pctToInt(value: unknown, numItems: number, minValue = 1): number {
  if (typeof value === 'string' && value.trim().endsWith('%')) {
    const pct = parseInt(value.trim().slice(0, -1), 10);
    const n = Math.trunc((pct / 100) * numItems);
    return n || minValue;
  }
  return typeof value === 'number' ? Math.trunc(value) : parseInt(String(value), 10);
}

export function serialBatches<T>(hosts: readonly T[], serial: readonly unknown[]): T[][] {
  const list = serial.length > 0 ? serial : [-1];
  const total = hosts.length;
  let rest = [...hosts];
  const batches: T[][] = [];
  let i = 0;
  while (rest.length > 0) {
    const size = pctToInt(list[i], total);
    if (!(size > 0)) {
      batches.push(rest);
      break;
    }
    batches.push(rest.slice(0, size));
    rest = rest.slice(size);
    i = Math.min(i + 1, list.length - 1);
  }
  return batches;
}
