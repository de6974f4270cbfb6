/**
 * Command-line checks shared by the benchmarks: `--help` prints the usage and exits, and an option
 * the script does not know is an error (a typo must not start a long run with the defaults).
 */
export function checkArgs(usage: string, known: readonly string[], argv = process.argv.slice(2)): void {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usage.trim()}\n`);
    process.exit(0);
  }
  const unknown = argv.filter((a) => a.startsWith('-') && !known.includes(a.replace(/^--/, '')));
  if (unknown.length > 0) {
    process.stderr.write(`unknown option${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}\n${usage.trim()}\n`);
    process.exit(2);
  }
}
