/**
 * Warnings of a damaged input, bounded: the first `max` of each kind (the
 * message with its numbers taken out) are kept, then one line per kind
 * counts the rest, updated in place. A file with a million bad pages costs a
 * few lines of memory, not a million, and the user still sees the count.
 */
export function cappedWarnings(list: string[], max = 20): (message: string) => void {
  const kinds = new Map<string, { n: number; summaryAt: number }>();
  return (message) => {
    const kind = message.replace(/\d+/g, '#');
    let k = kinds.get(kind);
    if (!k) kinds.set(kind, (k = { n: 0, summaryAt: -1 }));
    k.n++;
    if (k.n <= max) {
      list.push(message);
      return;
    }
    const line = `... and ${k.n - max} more warning(s) like: ${message}`;
    if (k.summaryAt < 0) k.summaryAt = list.push(line) - 1;
    else list[k.summaryAt] = line;
  };
}
