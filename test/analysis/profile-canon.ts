/**
 * trace-cmd's --profile text in a form two runs of it agree on: trace-profile.c
 * leaves the order of a task's events that sort equal (compare_events(): same
 * event, same total time) to a hash of heap addresses, and --by-comm's groups to
 * strcmp() over two pointers' bytes.
 */
/** The text with each run of event blocks that sort equal in trace-profile.c sorted, and the groups sorted by name. */
export function canon(text: string): string {
  const out: string[] = [];
  let blocks: { key: string; text: string }[] = [];
  const flush = () => {
    for (let i = 0; i < blocks.length; ) {
      let j = i + 1;
      while (j < blocks.length && blocks[j].key === blocks[i].key) j++;
      out.push(...blocks.slice(i, j).map((b) => b.text).sort());
      i = j;
    }
    blocks = [];
  };
  for (const l of text.split('\n')) {
    const m = /^ {2}Event: ([^:]*)(?::\S*)? \(\d+\)(?: Total: (\d+))?/.exec(l);
    if (m) blocks.push({ key: m[1] === 'sched_wakeup' ? 'wakeup' : `${m[1]}|${m[2] ?? 0}`, text: l });
    // a stack chain's lines belong to the event above them
    else if (blocks.length && l !== '' && /^ {4}[ |] /.test(l)) blocks[blocks.length - 1].text += '\n' + l;
    else {
      flush();
      out.push(l);
    }
  }
  flush();
  // groups: "\ngroup: NAME" up to the next group or task
  const joined = out.join('\n');
  const parts = joined.split(/(?=\ngroup: |\ntask: )/);
  const groups = parts.filter((p) => p.startsWith('\ngroup: ')).sort();
  let g = 0;
  return parts.map((p) => (p.startsWith('\ngroup: ') ? groups[g++] : p)).join('');
}

