/**
 * User-data may hold passwords, and its warnings reach status.json, which
 * every user can read. A message about user-data may say where (part, line,
 * column) and what kind of problem, but not repeat the text: a quoted
 * fragment of the message that is a piece of the input is shown as "…".
 * Fragments of the grammar ("key: value", ":") stay unless the input has
 * them too, which costs only some precision.
 */
const QUOTED = /"(?:[^"\\]|\\.)*"/g;

export function hideContent(message: string, input: string): string {
  return message.replace(QUOTED, (quoted) => {
    let raw: string;
    try {
      raw = JSON.parse(quoted) as string;
    } catch {
      raw = quoted.slice(1, -1);
    }
    // Long values are shown cut short with "..." at the end.
    const piece = raw.endsWith('...') ? raw.slice(0, -3) : raw;
    return piece.length >= 3 && input.includes(piece) ? '"…"' : quoted;
  });
}
