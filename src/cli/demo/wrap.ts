/**
 * Word wrap for terminal lines: a line longer than the terminal is broken between
 * words (the terminal itself would break it mid-word), continuation lines indented.
 * A single word longer than a line is the only thing ever split.
 */

/** `text` wrapped to `columns` (undefined: as it is, for pipes and files). */
export function wrap(text: string, columns: number | undefined, indent = '  '): string {
  if (columns === undefined || columns <= indent.length + 10 || text.length <= columns) return text;
  const lead = /^ */.exec(text)![0];
  const lines: string[] = [];
  let line = lead;
  let words = 0;
  const flush = (): void => {
    lines.push(line);
    line = indent;
    words = 0;
  };
  // Split on single spaces: a run of spaces (a padded time stamp) is kept as it is.
  for (const word of text.slice(lead.length).split(' ')) {
    if (words > 0 && line.length + 1 + word.length > columns) flush();
    let rest = word;
    // A word longer than a whole line: split it, the one case with no better break.
    while (line.length + rest.length > columns) {
      const cut = columns - line.length;
      line += rest.slice(0, cut);
      rest = rest.slice(cut);
      flush();
    }
    line += words > 0 ? ` ${rest}` : rest;
    words++;
  }
  if (words > 0) lines.push(line);
  return lines.join('\n');
}
