/**
 * An ordered INI document in NetworkManager's keyfile syntax.
 *
 * cloud-init builds its keyfiles with Python's configparser and the fixtures
 * compare them byte for byte, so the order matters: sections and keys keep the
 * order they were first created in, and overwriting a key keeps its place.
 */
export class Keyfile {
  private readonly sections = new Map<string, Map<string, string>>();
  /** Per section and prefix, the number after the last one addNumbered gave. */
  private readonly nextNumber = new Map<string, number>();

  /** The section, created empty (at the end) if it does not exist yet. */
  section(name: string): Map<string, string> {
    let s = this.sections.get(name);
    if (!s) {
      s = new Map();
      this.sections.set(name, s);
    }
    return s;
  }

  hasSection(name: string): boolean {
    return this.sections.has(name);
  }

  get(section: string, key: string): string | undefined {
    return this.sections.get(section)?.get(key);
  }

  set(section: string, key: string, value: string): void {
    this.section(section).set(key, value);
  }

  /** Set a key only if it is not set yet (creating the section if needed). */
  setDefault(section: string, key: string, value: string): void {
    const s = this.section(section);
    if (!s.has(key)) s.set(key, value);
  }

  /** Add `<prefix>N=value` with the first free N (1-based); returns the key used. */
  addNumbered(section: string, prefix: string, value: string): string {
    const s = this.section(section);
    // Keys are never removed, so every number below the last one handed out is taken: start there.
    // (Counting from 1 each time made a config with thousands of addresses take minutes.)
    const hint = `${section}\0${prefix}`;
    let n = this.nextNumber.get(hint) ?? 1;
    while (s.has(`${prefix}${n}`)) n++;
    const key = `${prefix}${n}`;
    s.set(key, value);
    this.nextNumber.set(hint, n + 1);
    return key;
  }

  /** Text as configparser writes it (`key=value`, a blank line after every section). */
  dump(header: string): string {
    let out = header;
    for (const [name, keys] of this.sections) {
      out += `[${name}]\n`;
      for (const [k, v] of keys) out += `${k}=${v}\n`;
      out += '\n';
    }
    return out;
  }
}
