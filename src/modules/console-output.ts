/**
 * Where modules print what belongs on the machine's console (key
 * fingerprints for the admin reading the serial log): stderr, which the
 * units send to the console. Tests swap the sink to read what was printed
 * without spawning a process per case.
 */
import { err } from '../host/console.ts';

let sink: (text: string) => void = err;

export function toConsole(text: string): void {
  sink(text);
}

/** Collect console output until `restore` (tests only). */
export function captureConsole(): { text(): string; restore(): void } {
  const chunks: string[] = [];
  const previous = sink;
  sink = (t) => chunks.push(t);
  return {
    text: () => chunks.join(''),
    restore: () => {
      sink = previous;
    },
  };
}
