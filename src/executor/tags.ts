/** Tag selection, as Ansible's Taggable.evaluate_tags. */
export function shouldRunTags(taskTags: readonly string[], only: readonly string[], skip: readonly string[]): boolean {
  const tags = new Set(taskTags.length > 0 ? taskTags : ['untagged']);
  const untagged = tags.size === 1 && tags.has('untagged');
  const onlyTags = only.length > 0 ? only : ['all'];
  let run = true;
  if (onlyTags.length > 0) {
    run = false;
    if (tags.has('always')) run = true;
    else if (onlyTags.includes('all') && !tags.has('never')) run = true;
    else if (onlyTags.some((t) => tags.has(t))) run = true;
    else if (onlyTags.includes('tagged') && !untagged && !tags.has('never')) run = true;
  }
  if (run && skip.length > 0) {
    if (skip.includes('all')) {
      if (!tags.has('always') || skip.includes('always')) run = false;
    } else if (skip.some((t) => tags.has(t))) run = false;
    else if (skip.includes('tagged') && !untagged) run = false;
  }
  return run;
}
